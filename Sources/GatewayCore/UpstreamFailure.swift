/// Why an upstream call produced no response. The kind decides both the
/// client's status and whether the request may have executed.
public struct UpstreamFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No connection was made (refused, unresolvable, connect timeout):
        /// the request provably never reached the upstream. 502.
        case connect
        /// Connected, but no full response arrived within the timeout: the
        /// request may or may not have executed. 504.
        case timeout
        /// Anything else after connecting (reset, malformed response). 502.
        case protocolError
    }

    public var kind: Kind
    /// The transport's own words, for logs.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind): \(message)" }
}
