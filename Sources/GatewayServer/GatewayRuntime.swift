import GatewayCore
import Logging

/// Everything a connection handler needs, built once at start and shared by
/// every connection: compiled routes, the pipeline and the limits.
public struct GatewayRuntime: Sendable {
    public var routes: RouteTable
    public var pipeline: RequestPipeline
    public var maxRequestBody: ByteSize
    public var logger: Logger

    public init(routes: RouteTable, pipeline: RequestPipeline, maxRequestBody: ByteSize, logger: Logger) {
        self.routes = routes
        self.pipeline = pipeline
        self.maxRequestBody = maxRequestBody
        self.logger = logger
    }
}
