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
    /// Whether the transport may send the request a second time, on a new
    /// connection, when the first attempt got no byte of response. Only for a
    /// request that is safe to repeat (GET, HEAD, OPTIONS without a key):
    /// anything else goes on the wire at most once, whatever the connection
    /// does.
    public var mayResend: Bool
    /// Pooled connections idle this long or longer are not reused for this
    /// request (`upstreams.NAME.idle_timeout`); zero means a new connection,
    /// closed after the exchange.
    public var idleTimeout: Duration
    /// The most body bytes the transport buffers before it hands the response
    /// over as a stream (`UpstreamResponse.bodyStream`); the pipeline sets it
    /// to `limits.max_stored_body`. `Int.max`: always buffer the whole body.
    public var bufferLimit: Int

    public init(url: String, method: String, headers: [HeaderField], body: [UInt8], timeout: Duration, connectTimeout: Duration,
                upstreamName: String = "", mayResend: Bool = false, idleTimeout: Duration = UpstreamSettings.defaultIdleTimeout,
                bufferLimit: Int = .max) {
        self.bufferLimit = max(0, bufferLimit)
        self.upstreamName = upstreamName
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.mayResend = mayResend
        self.idleTimeout = idleTimeout
    }

    /// The URL as logs and failure messages may show it: no query (it often
    /// carries tokens) and no user information.
    public var loggableURL: String {
        let bytes = Array(url.utf8)
        let end = bytes.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        var authorityStart = 0
        for index in 0..<max(0, end - 2) where bytes[index] == UInt8(ascii: ":")
            && bytes[index + 1] == UInt8(ascii: "/") && bytes[index + 2] == UInt8(ascii: "/") {
            authorityStart = index + 3
            break
        }
        let authorityEnd = bytes[authorityStart..<end].firstIndex(of: UInt8(ascii: "/")) ?? end
        guard let at = bytes[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) else {
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
        return String(decoding: bytes[..<authorityStart] + bytes[(at + 1)..<end], as: UTF8.self)
    }
}
