/// Which of a client connection's timeouts ended it, the label of
/// `client_timeouts_total`.
public enum ClientTimeout: String, Sendable, CaseIterable {
    /// The head did not arrive within `client_header_timeout` (408).
    case header
    /// The body stopped arriving for `client_body_timeout` (408).
    case body
    /// Idle between requests past `keepalive_timeout` (closed silently).
    case keepalive
    /// The client stopped reading its answer for `send_timeout` (cut off).
    case send
}
