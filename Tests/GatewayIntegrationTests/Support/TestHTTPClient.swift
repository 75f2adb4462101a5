import Foundation
import NIOCore
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
        let (responses, closed) = try await sendPipelined(port: port, bytes: bytes, responses: 1, closeWithin: closeWithin)
        guard let response = responses.first else { throw ConnectionClosed() }
        return (response, closed)
    }

    /// Writes raw bytes, which may hold several pipelined requests, and
    /// collects up to `count` responses in the order they arrive, then
    /// reports whether the server closed the connection within `closeWithin`.
    /// Stops early, with what it has, when the server closes.
    static func sendPipelined(port: Int, bytes: [UInt8], responses count: Int,
                              closeWithin: TimeAmount = .milliseconds(0)) async throws -> (responses: [TestResponse], closed: Bool) {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: [TestResponse].self)
        let channel: any Channel
        do {
            channel = try await connect(port: port) { ResponseCollector(expected: count, promise: promise) }
        } catch {
            // NIO traps on a promise that is never completed.
            promise.fail(error)
            throw error
        }
        let response: [TestResponse]
        do {
            try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
            response = try await promise.futureResult.get()
        } catch {
            promise.fail(error)
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

    /// One request sent the way a client that sends `Expect: 100-continue`
    /// sends it: the head first, the body only after an interim response
    /// arrives. Returns every response in the order it came, whether the body
    /// was sent (false: no 100 arrived within `patience`, so it never was),
    /// and whether the connection was closed after them.
    static func sendAwaitingContinue(port: Int, head: String, body: [UInt8],
                                     patience: Duration = .seconds(5)) async throws -> (responses: [TestResponse], bodySent: Bool, closed: Bool) {
        let (stream, continuation) = AsyncStream.makeStream(of: TestResponse.self)
        let channel = try await connect(port: port) { ResponseStream(continuation) }
        defer { channel.close(promise: nil) }
        try await channel.writeAndFlush(channel.allocator.buffer(string: head))
        // Give up on the stream after `patience`, so a gateway that never
        // answers cannot hang the test.
        let watchdog = Task {
            try await Task.sleep(for: patience)
            continuation.finish()
        }
        defer { watchdog.cancel() }
        var responses: [TestResponse] = []
        var bodySent = false
        for await response in stream {
            responses.append(response)
            if response.status == 100, !bodySent {
                bodySent = true
                try await channel.writeAndFlush(channel.allocator.buffer(bytes: body))
            } else if response.status >= 200 {
                break
            }
        }
        // A refusal closes the connection; wait (bounded) to see it happen.
        let deadline = ContinuousClock.now + .seconds(2)
        while channel.isActive, responses.last.map({ $0.header("Connection") == "close" }) == true, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return (responses, bodySent, !channel.isActive)
    }

    /// A new connection whose pipeline is the one handler `makeHandler` builds.
    private static func connect(port: Int, _ makeHandler: @escaping @Sendable () -> any ChannelInboundHandler) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(makeHandler())
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }
}

/// Collects responses from raw bytes. It parses them itself (status line,
/// headers, Content-Length body) instead of using NIO's decoder, which would
/// also insist on encoding our outbound bytes.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let expected: Int
    private let promise: EventLoopPromise<[TestResponse]>
    private var received: [UInt8] = []
    private var responses: [TestResponse] = []
    private var done = false

    init(expected: Int, promise: EventLoopPromise<[TestResponse]>) {
        self.expected = expected
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        while !done, let (response, length) = TestHTTPClient.parseResponse(received) {
            responses.append(response)
            received.removeFirst(length)
            if responses.count == expected {
                done = true
                promise.succeed(responses)
            }
        }
    }


    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            if responses.isEmpty {
                promise.fail(TestHTTPClient.ConnectionClosed())
            } else {
                promise.succeed(responses)
            }
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

extension TestHTTPClient {
    /// A complete response at the start of `bytes` and the bytes it took, or
    /// nil while bytes are missing.
    static func parseResponse(_ bytes: [UInt8]) -> (TestResponse, Int)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else { return nil }
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        let bodyStart = end + 4
        guard bytes.count - bodyStart >= length else { return nil }
        return (TestResponse(status: status, headers: headers, body: Array(bytes[bodyStart..<bodyStart + length])), bodyStart + length)
    }
}
