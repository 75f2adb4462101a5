/// A response for the client. Framing (Content-Length, Connection) is the
/// server's job and is never part of `headers`.
public struct GatewayResponse: Sendable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: [UInt8]

    public init(status: Int, headers: [HeaderField], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
