import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server that stands in for a real API behind the gateway:
/// the quick start's upstream, and the upstream of the integration tests,
/// which read its ledger to count executions.
public final class ExampleUpstreamServer: Sendable {
    public let ledger: UpstreamLedger
    public let port: Int
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    private init(ledger: UpstreamLedger, channel: any Channel, group: MultiThreadedEventLoopGroup) {
        self.ledger = ledger
        self.channel = channel
        self.group = group
        self.port = channel.localAddress?.port ?? 0
    }

    /// Binds and starts serving. Port 0 picks a free port; read `port`.
    public static func start(host: String = "127.0.0.1", port: Int = 0, threads: Int = 1) async throws -> ExampleUpstreamServer {
        let ledger = UpstreamLedger()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ExampleUpstreamHandler(ledger: ledger))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: port).get()
            return ExampleUpstreamServer(ledger: ledger, channel: channel, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Closes the listener and all connections.
    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Serves until the listener closes.
    public func wait() async throws {
        try await channel.closeFuture.get()
    }
}
