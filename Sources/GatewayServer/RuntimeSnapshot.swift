import GatewayCore

/// What one configuration serves with: its routes, the pipeline bound to its
/// upstreams and policies, and metrics that know its names. Immutable, so a
/// request that took it at its start finishes under it whatever a reload
/// publishes meanwhile, and never sees routes of one file with upstreams of
/// another.
public final class RuntimeSnapshot: Sendable {
    /// 1 for the configuration the process started with, +1 per applied reload.
    public let generation: Int
    public let routes: RouteTable
    public let pipeline: RequestPipeline
    public let metrics: GatewayMetrics

    public init(generation: Int, routes: RouteTable, pipeline: RequestPipeline, metrics: GatewayMetrics) {
        self.generation = generation
        self.routes = routes
        self.pipeline = pipeline
        self.metrics = metrics
    }

    /// True when some route would refuse a request for want of the store:
    /// an enforcing idempotency policy, or a rate limit. A `mode: shadow`
    /// route forwards when the store is down, and an `enabled: false` one
    /// has no policy, so neither makes the store gate readiness.
    public var usesStore: Bool {
        routes.routes.contains { $0.idempotency?.mode == .enforce || $0.rateLimit != nil }
    }
}
