import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The admin listener (`admin.listen`) as a service. It is started before
/// the proxy and stopped after it, so `/readyz` can answer 503 while the
/// proxy drains.
public struct AdminService: Service {
    private let host: String
    private let port: Int
    private let group: any EventLoopGroup
    private let endpoints: AdminEndpoints
    private let logger: Logger

    public init(host: String, port: Int, group: any EventLoopGroup, endpoints: AdminEndpoints, logger: Logger) {
        self.host = host
        self.port = port
        self.group = group
        self.endpoints = endpoints
        self.logger = logger
    }

    public func run() async throws {
        let endpoints = self.endpoints
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(endpoints: endpoints))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            throw ListenFailure(field: "admin.listen", host: host, port: port, error: error)
        }
        logger.info("admin listening", metadata: ["host": "\(host)", "port": "\(channel.localAddress?.port ?? port)"])
        // Cancellation too: the group cancels the services when one fails
        // in a way that cannot drain, and a listener must not outlive that.
        await withTaskCancellationOrGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}
