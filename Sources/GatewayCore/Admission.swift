/// The admit phase's verdict on a request to an idempotent route.
enum Admission: Sendable {
    /// A valid key: the request is claimed under `key` with this fingerprint.
    case keyed(StoreKey, PendingClaim)
    /// No key on a route where it is optional: forwarded unprotected.
    case unkeyed
    /// Answered at once (missing, repeated or invalid key).
    case refused(Problem, RequestOutcome)
}
