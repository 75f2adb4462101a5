import GatewayCore
import Logging
import NIOCore
import ServiceLifecycle

/// The proxy listener as a swift-service-lifecycle service: it binds, serves
/// until a graceful shutdown is requested, then stops accepting.
public struct GatewayService: Service {
    private let host: String
    private let port: Int
    private let group: any EventLoopGroup
    private let runtime: GatewayRuntime
    private let shutdownTimeout: Duration

    public init(host: String, port: Int, group: any EventLoopGroup, runtime: GatewayRuntime, shutdownTimeout: Duration) {
        self.host = host
        self.port = port
        self.group = group
        self.runtime = runtime
        self.shutdownTimeout = shutdownTimeout
    }

    public func run() async throws {
        let server: GatewayServer
        do {
            server = try await GatewayServer.bind(host: host, port: port, group: group, runtime: runtime)
        } catch {
            throw ListenFailure(field: "listen", host: host, port: port, error: error)
        }
        runtime.logger.info("gateway listening", metadata: ["host": "\(host)", "port": "\(server.port)"])
        // Cancellation too, so a listener never outlives a failed group.
        await withTaskCancellationOrGracefulShutdownHandler {
            await server.waitUntilClosed()
        } onCancelOrGracefulShutdown: { [drainer = runtime.drainer] in
            drainer.markDraining()
            Task { await server.stopAccepting() }
        }
        // The listener is closed: new connections are refused from here on.
        // Requests in flight finish and settle their claims; idle
        // keep-alive connections close at once.
        runtime.logger.info("draining connections", metadata: [
            "open": "\(runtime.drainer.openConnections)", "timeout": "\(DurationText.format(shutdownTimeout))",
        ])
        let left = await runtime.drainer.drain(timeout: shutdownTimeout)
        if left > 0 {
            runtime.logger.warning("shutdown timeout reached with connections open", metadata: ["open": "\(left)"])
        }
        runtime.logger.info("gateway stopped")
    }
}
