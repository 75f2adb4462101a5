/// A client request once its body has been read in full.
public struct GatewayRequest: Sendable {
    public var method: String
    /// The path without the query, normalised once by `RequestTarget` (no
    /// dot segments; not percent-decoded): the path the route matched, the
    /// fingerprint covers and the upstream receives.
    public var path: String
    /// The query without `?`; nil when the target had no `?`.
    public var query: String?
    public var headers: [HeaderField]
    public var body: [UInt8]
    /// The peer's IP address, for X-Forwarded-For.
    public var clientAddress: String?
    /// The request's trace (its `traceparent` is already in `headers`):
    /// the pipeline times its phases under it when it is sampled.
    public var trace: TraceContext?

    public init(method: String, path: String, query: String?, headers: [HeaderField], body: [UInt8], clientAddress: String? = nil,
                trace: TraceContext? = nil) {
        self.trace = trace
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.clientAddress = clientAddress
    }

    /// Splits a request target into path and query.
    public static func splitTarget(_ target: String) -> (path: String, query: String?) {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target, nil) }
        let path = String(target[..<mark])
        let query = String(target[target.index(after: mark)...])
        return (path, query)
    }
}
