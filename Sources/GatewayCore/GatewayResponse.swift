/// A response for the client. Framing (Content-Length, Connection) is the
/// server's job and is never part of `headers`.
public struct GatewayResponse: Sendable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: [UInt8]
    /// The rest of an upstream body too large to buffer (`body` holds its
    /// first bytes): the server streams it to the client. Whoever drops a
    /// response without writing it must `cancel()` this, or the upstream
    /// transfer stays open until the transport's backstop notices.
    public var bodyStream: UpstreamBodyStream?

    public init(status: Int, headers: [HeaderField], body: [UInt8], bodyStream: UpstreamBodyStream? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyStream = bodyStream
    }
}
