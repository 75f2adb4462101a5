import GatewayCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The client-facing HTTP/1.1 listener.
public final class GatewayServer: Sendable {
    private let channel: any Channel

    /// The bound port: useful when the configuration asked for port 0.
    public let port: Int

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    public static func bind(host: String, port: Int, group: any EventLoopGroup, runtime: GatewayRuntime) async throws -> GatewayServer {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                runtime.drainer.register(channel)
                return channel.eventLoop.makeCompletedFuture {
                    // Only NIO's decoder: ProxyHTTPHandler writes whole
                    // responses as bytes and keeps pipelined requests in
                    // order itself (see there for why).
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try sync.addHandler(ProxyHTTPHandler(runtime: runtime))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return GatewayServer(channel: channel)
    }

    /// Stops accepting connections. Connections already open finish their
    /// current request.
    public func stopAccepting() async {
        try? await channel.close()
    }

    /// Returns when the listener is closed.
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }
}
