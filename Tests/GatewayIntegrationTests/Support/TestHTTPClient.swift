import NIOCore
import NIOHTTP1
import NIOPosix

/// A deliberately low-level HTTP/1.1 client for the tests: it writes the
/// request bytes itself, so tests can send what real clients would never
/// send (control characters, CL+TE, duplicate Content-Length) and see exactly
/// what the gateway answers, including whether it closes the connection.
enum TestHTTPClient {
    struct ConnectionClosed: Error {}

    /// Sends `method path` with the headers and body on a new connection.
    static func send(port: Int, method: String = "POST", path: String, headers: [(String, String)] = [],
                     body: [UInt8] = [], chunked: Bool = false) async throws -> TestResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        var bytes: [UInt8]
        if chunked {
            head += "Transfer-Encoding: chunked\r\n\r\n"
            bytes = Array(head.utf8)
            var offset = 0
            var size = 7
            while offset < body.count {
                let end = min(offset + size, body.count)
                bytes += Array(String(end - offset, radix: 16).utf8) + [13, 10] + body[offset..<end] + [13, 10]
                offset = end
                size = size * 3 + 1
            }
            bytes += Array("0\r\n\r\n".utf8)
        } else {
            if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" {
                head += "Content-Length: \(body.count)\r\n"
            }
            head += "\r\n"
            bytes = Array(head.utf8) + body
        }
        return try await sendRaw(port: port, bytes: bytes).response
    }

    /// Writes raw bytes and returns the first response, plus whether the
    /// server closed the connection within `closeWithin` after answering.
    static func sendRaw(port: Int, bytes: [UInt8], closeWithin: TimeAmount = .milliseconds(0)) async throws -> (response: TestResponse, closed: Bool) {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: TestResponse.self)
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)))
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
        let response: TestResponse
        do {
            response = try await promise.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        var closed = !channel.isActive
        if !closed, closeWithin > .zero {
            let deadline = NIODeadline.now() + closeWithin
            while channel.isActive, NIODeadline.now() < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            closed = !channel.isActive
        }
        try? await channel.close()
        return (response, closed)
    }
}

/// Collects one response and completes the promise with it.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<TestResponse>
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []
    private var done = false

    init(promise: EventLoopPromise<TestResponse>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head, !done else { return }
            done = true
            promise.succeed(TestResponse(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(TestHTTPClient.ConnectionClosed())
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done {
            done = true
            promise.fail(error)
        }
        context.close(promise: nil)
    }
}
