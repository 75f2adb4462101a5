/// What `IdempotencyStore.purge` did.
public enum PurgeResult: Sendable, Hashable {
    /// The record was deleted.
    case purged
    /// No record lived under the key.
    case absent
    /// The key holds a claim and `force` was not given: nothing was deleted.
    case inFlight
}
