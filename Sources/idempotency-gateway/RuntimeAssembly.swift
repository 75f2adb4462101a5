import GatewayConfig
import GatewayCore
import GatewayServer
import Logging

/// Builds the runtime snapshot for a configuration, at start and at each
/// reload, and keeps per-upstream state across reloads.
///
/// An upstream whose settings a reload leaves exactly as they were keeps its
/// `UpstreamGuard`: its breaker stays open or closed as it was, and calls in
/// flight keep counting against `max_in_flight`. An upstream that is new or
/// changed (URL, timeouts, breaker, `max_in_flight`) gets a new guard with a
/// closed breaker: the old one described something else. Calls still running
/// under the old guard finish against it, so for a moment the old and new
/// bounds are separate. The libcurl transport is shared by every snapshot:
/// each request carries its own URL and timeouts, and its connection cache
/// is keyed by host.
struct RuntimeAssembly {
    private let store: any IdempotencyStore
    private let transport: any UpstreamTransport
    private let logger: Logger
    private var guards: [String: (settings: UpstreamSettings, guard: UpstreamGuard)] = [:]

    init(store: any IdempotencyStore, transport: any UpstreamTransport, logger: Logger) {
        self.store = store
        self.transport = transport
        self.logger = logger
    }

    /// The upstreams whose guard the last `snapshot` replaced or created
    /// although a guard of that name existed.
    private(set) var replacedUpstreams: [String] = []

    mutating func snapshot(for configuration: GatewayConfiguration, generation: Int, metrics: GatewayMetrics) -> RuntimeSnapshot {
        var next: [String: (settings: UpstreamSettings, guard: UpstreamGuard)] = [:]
        replacedUpstreams = []
        for (name, settings) in configuration.upstreams {
            if let kept = guards[name], kept.settings == settings {
                next[name] = kept
                continue
            }
            if guards[name] != nil {
                replacedUpstreams.append(name)
                metrics.breakerReplaced(upstream: name)
            }
            next[name] = (settings, Self.makeGuard(settings, metrics: metrics, logger: logger))
        }
        guards = next
        var settings = RequestPipeline.Settings()
        settings.keyPrefix = configuration.store.keyPrefix
        settings.onUnavailable = configuration.store.onUnavailable
        settings.maxStoredBody = configuration.limits.maxStoredBody.bytes
        let pipeline = RequestPipeline(store: store, transport: InstrumentedTransport(transport, metrics: metrics),
                                       guards: next.mapValues(\.guard), settings: settings,
                                       onOperationSettled: OperationSettledReport.handler(logger: logger, metrics: metrics))
        return RuntimeSnapshot(generation: generation, routes: RouteTable(configuration.routes), pipeline: pipeline, metrics: metrics)
    }

    private static func makeGuard(_ settings: UpstreamSettings, metrics: GatewayMetrics, logger: Logger) -> UpstreamGuard {
        let name = settings.name
        let breaker = CircuitBreaker(settings: settings.circuitBreaker, onTransition: { from, to in
            metrics.breakerTransition(upstream: name, to: to)
            logger.warning("circuit breaker changed state", metadata: [
                "upstream": "\(name)", "from": "\(from.label)", "to": "\(to.label)",
            ])
        })
        return UpstreamGuard(settings: settings, breaker: breaker)
    }
}
