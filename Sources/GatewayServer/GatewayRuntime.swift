import GatewayCore
import Logging

/// Everything a connection handler needs, built once at start and shared by
/// every connection: compiled routes, the pipeline, limits, metrics and the
/// drainer that graceful shutdown uses.
public struct GatewayRuntime: Sendable {
    public var routes: RouteTable
    public var pipeline: RequestPipeline
    public var maxRequestBody: ByteSize
    public var client: ClientLimits
    public var logger: Logger
    public var metrics: GatewayMetrics
    public var drainer: ConnectionDrainer

    public init(routes: RouteTable, pipeline: RequestPipeline, maxRequestBody: ByteSize, client: ClientLimits = ClientLimits(),
                logger: Logger, metrics: GatewayMetrics, drainer: ConnectionDrainer) {
        self.routes = routes
        self.pipeline = pipeline
        self.maxRequestBody = maxRequestBody
        self.client = client
        self.logger = logger
        self.metrics = metrics
        self.drainer = drainer
    }
}
