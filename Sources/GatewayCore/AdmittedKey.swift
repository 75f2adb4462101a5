/// Where the admit phase got with a request's key, before the fingerprint.
enum AdmittedKey: Sendable {
    case found(IdempotencyKey)
    /// No key on a route where it is optional.
    case absent
    case refused(Problem, RequestOutcome)
}
