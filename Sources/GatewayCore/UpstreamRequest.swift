/// One call to an upstream, as the transport performs it.
public struct UpstreamRequest: Sendable {
    /// The absolute URL: the upstream's base URL, the path and the query.
    public var url: String
    public var method: String
    /// End-to-end headers only; the transport adds Host and Content-Length.
    public var headers: [HeaderField]
    public var body: [UInt8]
    public var timeout: Duration
    public var connectTimeout: Duration
    /// The configured upstream's name, for metrics and logs.
    public var upstreamName: String

    public init(url: String, method: String, headers: [HeaderField], body: [UInt8], timeout: Duration, connectTimeout: Duration, upstreamName: String = "") {
        self.upstreamName = upstreamName
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}
