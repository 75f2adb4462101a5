import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import GatewayConfig
import GatewayCore
import GatewayRedis
import GatewayServer
import GatewayUpstream
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle

/// Runs the gateway until SIGTERM or SIGINT, then drains and exits 0.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway.")

    @Option(name: .shortAndLong, help: "Path to the configuration file.")
    var config = "gateway.yaml"

    func run() async throws {
        // A peer that closes its socket must cost one request an error, not
        // the process its life: hiredis writes without MSG_NOSIGNAL.
        signal(SIGPIPE, SIG_IGN)
        // Until the reload handler is armed, a SIGHUP must not end the
        // process either (its default action).
        signal(SIGHUP, SIG_IGN)
        let configuration = try ConfigurationReport.loadOrExit(path: config)
        Self.bootstrapLogging(configuration.log)
        let registry = Self.bootstrapMetrics()
        let processMetrics = ProcessMetrics(registry: registry)
        let logger = Logger(label: "idempotency-gateway")

        let upstreamNames = configuration.upstreams.keys.sorted()
        let metrics = GatewayMetrics(routes: configuration.routes.map(\.name), upstreams: upstreamNames)
        // One event loop per core serves the clients, and Redis connections
        // live on the same loops, so a claim never changes threads.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let (store, redis) = Self.makeStore(configuration.store, group: group, metrics: metrics, logger: logger)
        let curl = CurlTransport(logger: logger)
        var assembly = RuntimeAssembly(store: store, transport: curl, logger: logger)
        let snapshots = RuntimeSnapshots(assembly.snapshot(for: configuration, generation: 1, metrics: metrics))
        let reloader = ConfigurationReloader(path: config, running: configuration, assembly: assembly, snapshots: snapshots, logger: logger)
        let hangup = HangupHandler(reloader: reloader)

        let drainer = ConnectionDrainer()
        let spanExporter = configuration.tracing.map {
            OTLPSpanExporter(endpoint: $0.otlpEndpoint, serviceName: $0.serviceName, sampleRatio: $0.sampleRatio, transport: curl,
                             logger: logger)
        }
        let runtime = GatewayRuntime(
            snapshots: snapshots,
            maxRequestBody: configuration.limits.maxRequestBody,
            client: ClientLimits(headerTimeout: configuration.limits.clientHeaderTimeout,
                                 bodyTimeout: configuration.limits.clientBodyTimeout,
                                 keepaliveTimeout: configuration.limits.keepaliveTimeout,
                                 sendTimeout: configuration.limits.sendTimeout,
                                 maxConnections: configuration.limits.maxConnections,
                                 maxHeaderBytes: configuration.limits.maxHeaderBytes.bytes),
            logger: logger, drainer: drainer, spanExporter: spanExporter)
        let riskNotice = StoreRiskNotice(logger: logger)
        let storeRequired = configuration.store.onUnavailable == .reject
        let keyMetrics = KeyOperationMetrics()
        let keys = configuration.adminToken.map { token in
            KeyAdministration(token: token, store: store, keyPrefix: configuration.store.keyPrefix,
                              routes: { snapshots.current.routes.routes }, metrics: keyMetrics, logger: logger)
        }
        let admin = AdminService(host: configuration.adminListen.host, port: configuration.adminListen.port, group: group,
                                 endpoints: AdminEndpoints(registry: registry, store: store, drainer: drainer,
                                                           storeWarning: redis.map { Self.evictionWarning($0, notice: riskNotice) },
                                                           storeGatesReadiness: { storeRequired && snapshots.current.usesStore },
                                                           reload: { await reloader.reload(trigger: "admin") },
                                                           beforeScrape: {
                                                               processMetrics.refresh()
                                                               metrics.connectionsOpen(drainer.openConnections)
                                                           }, keys: keys),
                                 logger: logger)
        let proxy = GatewayService(host: configuration.listen.host, port: configuration.listen.port, group: group,
                                   runtime: runtime, shutdownTimeout: configuration.shutdownTimeout)
        // Services stop in reverse order: the proxy drains first while the
        // admin listener still answers /readyz with 503. A listener that
        // cannot bind stops the other one the same graceful way, and the
        // process exits non-zero: half a gateway (no probes, or no proxy)
        // must not keep running.
        // The span exporter, if any, stops last, to send what the drain recorded.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = spanExporter.map { [.init(service: $0)] } ?? []
        services += [.init(service: admin, failureTerminationBehavior: .gracefullyShutdownGroup),
                     .init(service: proxy, failureTerminationBehavior: .gracefullyShutdownGroup)]
        let serviceGroup = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        let startupCheck = redis.map { redis in
            Task.detached { await Self.warnAboutEvictionOnceReachable(redis, notice: riskNotice) }
        }
        var failed = false
        do { try await serviceGroup.run() } catch {
            failed = true
            // Critical, so that no log level hides why the process stopped.
            logger.critical("gateway failed", metadata: ["error": "\(error)"])
        }
        startupCheck?.cancel()
        hangup.stop()
        // Claims still held were settled at the end of the drain
        // (GatewayService), while the store client was open; only now does it close.
        curl.shutdown()
        redis?.shutdown()
        try? await group.shutdownGracefully()
        // The log line above is the report: rethrowing would make
        // ArgumentParser print the same error a second time.
        if failed { throw ExitCode.failure }
    }

    static func bootstrapLogging(_ log: LogConfiguration) {
        let level = Logger.Level(rawValue: log.level) ?? .info
        LoggingSystem.bootstrap { label in
            switch log.format {
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }

    /// Once per process, before any metric exists. Every metric is made
    /// with its HELP text (`DescribedMetricsFactory`, `MetricHelp`).
    static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
        ]
        factory.valueHistogramBuckets["stored_response_bytes"] = [256, 1024, 4096, 16384, 65536, 262_144, 1_048_576, 4_194_304]
        MetricsSystem.bootstrap(DescribedMetricsFactory(factory))
        return registry
    }

    static func makeStore(_ store: StoreConfiguration, group: any EventLoopGroup, metrics: GatewayMetrics,
                          logger: Logger) -> (any IdempotencyStore, RedisStore?) {
        switch store.backend {
        case .memory:
            return (InstrumentedStore(MemoryStore(), metrics: metrics), nil)
        case .redis(let settings):
            let redis = RedisStoreFactory.make(settings, group: group, logger: logger)
            return (InstrumentedStore(redis, metrics: metrics), redis)
        }
    }

    /// The `/readyz` hook: asks Redis every time; the notice logs only a
    /// change.
    static func evictionWarning(_ redis: RedisStore, notice: StoreRiskNotice) -> @Sendable () async -> String? {
        {
            let risk = await redis.evictionRisk()
            notice.observe(risk)
            return risk
        }
    }

    /// At start, once Redis answers (it may come up after the gateway), say
    /// loudly if its eviction policy can drop our keys. Never delays start.
    static func warnAboutEvictionOnceReachable(_ redis: RedisStore, notice: StoreRiskNotice) async {
        for _ in 0..<30 {
            if (try? await redis.ping()) != nil {
                notice.observe(await redis.evictionRisk())
                return
            }
            try? await Task.sleep(for: .seconds(2))
            if Task.isCancelled { return }
        }
    }
}
