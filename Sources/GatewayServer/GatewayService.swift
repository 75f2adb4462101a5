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

    public init(host: String, port: Int, group: any EventLoopGroup, runtime: GatewayRuntime) {
        self.host = host
        self.port = port
        self.group = group
        self.runtime = runtime
    }

    public func run() async throws {
        let server = try await GatewayServer.bind(host: host, port: port, group: group, runtime: runtime)
        runtime.logger.info("gateway listening", metadata: ["host": "\(host)", "port": "\(server.port)"])
        await withGracefulShutdownHandler {
            await server.waitUntilClosed()
        } onGracefulShutdown: {
            Task { await server.stopAccepting() }
        }
        runtime.logger.info("gateway stopped accepting connections")
    }
}
