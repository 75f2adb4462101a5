/// An upstream's final response. Headers are as received (the pipeline strips
/// hop-by-hop fields); the transfer decoding is undone.
///
/// Usually `body` is the whole body and `bodyStream` is nil. When the body
/// outgrew the request's `bufferLimit`, `body` holds the bytes that arrived
/// first and `bodyStream` yields the rest: such a response cannot be stored,
/// and a failure of the stream means the client's response is truncated.
public struct UpstreamResponse: Sendable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: [UInt8]
    /// The rest of the body, when it was too large to buffer; see
    /// `UpstreamBodyStream` for who must drain or cancel it.
    public var bodyStream: UpstreamBodyStream?

    public init(status: Int, headers: [HeaderField], body: [UInt8], bodyStream: UpstreamBodyStream? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyStream = bodyStream
    }

    /// True when the body continues in `bodyStream`.
    public var isStreamed: Bool { bodyStream != nil }
}
