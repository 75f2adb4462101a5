import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One client connection kept open across requests, for tests that act on
/// time: send part of a request, wait, see whether and when the gateway
/// answered or closed. With `reading: false` it never reads, like a client
/// that stopped taking its response.
final class RawConnection {
    let channel: any Channel
    private var iterator: AsyncStream<TestResponse>.AsyncIterator
    private let closedAt = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
    let openedAt = ContinuousClock.now

    private init(channel: any Channel, stream: AsyncStream<TestResponse>) {
        self.channel = channel
        self.iterator = stream.makeAsyncIterator()
        channel.closeFuture.whenComplete { [closedAt] _ in closedAt.withLockedValue { $0 = .now } }
    }

    static func open(port: Int, reading: Bool = true) async throws -> RawConnection {
        let (stream, continuation) = AsyncStream.makeStream(of: TestResponse.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: reading)
            .channelOption(.socketOption(.so_rcvbuf), value: reading ? 65536 : 4096)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ResponseStream(continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, stream: stream)
    }

    /// Writes bytes; false once the connection is gone.
    @discardableResult
    func send(_ text: String) async -> Bool {
        do {
            try await channel.writeAndFlush(channel.allocator.buffer(string: text))
            return true
        } catch {
            return false
        }
    }

    /// The next response, or nil once the connection closed.
    func next() async -> TestResponse? {
        await iterator.next()
    }

    /// When the connection closed, waiting for it up to `limit`.
    func waitForClose(limit: Duration) async -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let at = closedAt.withLockedValue({ $0 }) { return at }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return closedAt.withLockedValue { $0 }
    }

    func close() {
        channel.close(promise: nil)
    }
}
