/// Why an upstream call that had already sent the request ended without a
/// response: the `cause` label of `idempotency_ambiguous_total` and the
/// `cause` member of an `outcome-unknown` problem.
public enum AmbiguousCause: String, Sendable, Hashable, CaseIterable {
    /// No complete response within the upstream's timeout.
    case timeout
    /// The connection closed or reset, or the response was malformed.
    case protocolError = "protocol_error"
    /// The gateway shut down (`shutdown_timeout` ran out) with the call still running.
    case shutdown
}
