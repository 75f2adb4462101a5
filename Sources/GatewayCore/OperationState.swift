/// The `state` label of `idempotency_operations_total`: what happened to an
/// async operation, counted once per transition (`lost` once per poll that
/// found it so).
public enum OperationState: String, Sendable, Hashable, CaseIterable {
    /// The call outlasted `after`; the client got 202.
    case started
    /// Its response was stored under the key; polls replay it.
    case completed
    /// It settled without a stored record (a status the route does not
    /// store, a failed call, a lost lease); polls get that answer.
    case failed
    /// A poll found its execution lost: 502 `operation-lost`.
    case lost
}
