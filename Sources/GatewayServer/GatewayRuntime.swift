import GatewayCore
import Logging

/// Everything a connection handler needs, shared by every connection: what
/// is fixed at start (limits, the logger, the drainer that graceful shutdown
/// uses) and the snapshots a reload replaces (routes, pipeline, metrics).
public struct GatewayRuntime: Sendable {
    public var snapshots: RuntimeSnapshots
    public var maxRequestBody: ByteSize
    public var client: ClientLimits
    public var logger: Logger
    public var drainer: ConnectionDrainer
    /// `tracing`: records sampled requests' spans; nil records nothing.
    public var spanExporter: OTLPSpanExporter?

    public init(snapshots: RuntimeSnapshots, maxRequestBody: ByteSize, client: ClientLimits = ClientLimits(),
                logger: Logger, drainer: ConnectionDrainer, spanExporter: OTLPSpanExporter? = nil) {
        self.spanExporter = spanExporter
        self.snapshots = snapshots
        self.maxRequestBody = maxRequestBody
        self.client = client
        self.logger = logger
        self.drainer = drainer
    }

    /// A runtime that is never reloaded (tests).
    public init(routes: RouteTable, pipeline: RequestPipeline, maxRequestBody: ByteSize, client: ClientLimits = ClientLimits(),
                logger: Logger, metrics: GatewayMetrics, drainer: ConnectionDrainer) {
        self.init(snapshots: RuntimeSnapshots(RuntimeSnapshot(generation: 1, routes: routes, pipeline: pipeline, metrics: metrics)),
                  maxRequestBody: maxRequestBody, client: client, logger: logger, drainer: drainer)
    }

    /// The metrics of the current snapshot; the process-wide series
    /// (connections, store, reloads) are the same in every snapshot.
    public var metrics: GatewayMetrics { snapshots.current.metrics }
}
