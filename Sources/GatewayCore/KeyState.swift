/// What a stored key means to support, as the admin key API and the `key`
/// CLI report it in `state`.
public enum KeyState: String, Sendable, Hashable {
    /// A claim: its request is (or was, if the gateway died) running
    /// upstream; retries get 409 until it settles or its lease runs out.
    case inFlight = "in_flight"
    /// A stored response; retries replay it.
    case completed
    /// The operation completed but its response was larger than
    /// `limits.max_stored_body`; retries get 410 response-not-kept.
    case notKept = "not_kept"
    /// `on_ambiguous: hold` stored 502 outcome-unknown: the upstream may or
    /// may not have executed, and retries get that answer until it expires.
    case outcomeUnknown = "outcome_unknown"
    /// Bytes this gateway cannot read; claims answer 500 record-corrupt.
    case unreadable
}
