import ArgumentParser
import GatewayConfig
import GatewayCore
import GatewayRedis
import GatewayServer
import GatewayUpstream
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Runs the gateway until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway.")

    @Option(name: .shortAndLong, help: "Path to the configuration file.")
    var config = "gateway.yaml"

    func run() async throws {
        let configuration = try ConfigurationReport.loadOrExit(path: config)
        let level = Logger.Level(rawValue: configuration.log.level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "idempotency-gateway")

        let store: any IdempotencyStore
        var redis: RedisStore?
        switch configuration.store.backend {
        case .memory:
            store = MemoryStore()
        case .redis(let settings):
            let endpoint = RedisEndpoint(host: settings.host, port: settings.port, username: settings.username,
                                         password: settings.password, database: settings.database)
            let redisStore = RedisStore(endpoint: endpoint, timeout: settings.timeout, logger: logger)
            redis = redisStore
            store = redisStore
        }
        let transport = CurlTransport(logger: logger)

        var settings = RequestPipeline.Settings()
        settings.keyPrefix = configuration.store.keyPrefix
        settings.onUnavailable = configuration.store.onUnavailable
        settings.maxStoredBody = configuration.limits.maxStoredBody.bytes
        let runtime = GatewayRuntime(
            routes: RouteTable(configuration.routes),
            pipeline: RequestPipeline(store: store, transport: transport, settings: settings),
            maxRequestBody: configuration.limits.maxRequestBody,
            logger: logger)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let service = GatewayService(host: configuration.listen.host, port: configuration.listen.port, group: group, runtime: runtime)
        let serviceGroup = ServiceGroup(configuration: .init(
            services: [.init(service: service)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        var failure: (any Error)?
        do { try await serviceGroup.run() } catch { failure = error }
        transport.shutdown()
        redis?.shutdown()
        try? await group.shutdownGracefully()
        if let failure { throw failure }
    }
}
