/// An upstream's final response, body read in full. Headers are as received
/// (the pipeline strips hop-by-hop fields); the transfer decoding is undone.
public struct UpstreamResponse: Sendable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: [UInt8]

    public init(status: Int, headers: [HeaderField], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
