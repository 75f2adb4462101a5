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

    /// True when some route has an idempotency policy, i.e. uses the store.
    public var usesStore: Bool { routes.routes.contains { $0.idempotency != nil } }
}
