/// `idempotency.mode`: whether the gateway acts on what the store tells it,
/// or only reports what it would have done.
public enum IdempotencyMode: String, Sendable, Hashable, CaseIterable {
    /// Replays, 409s, 422s and missing-key 400s are answered as configured.
    case enforce
    /// Claims and records are written as usual, but every request is
    /// forwarded and the client always gets the upstream's answer; what
    /// `enforce` would have done is logged and counted
    /// (`idempotency_shadow_total`). The safe way to put the gateway in
    /// front of a live API and see what it would change.
    case shadow
}
