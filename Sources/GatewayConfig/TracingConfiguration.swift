/// The `tracing` section: where spans go, if anywhere. Without it the
/// gateway still reads and forwards `traceparent` and logs trace ids; it
/// only records nothing.
public struct TracingConfiguration: Sendable, Equatable {
    /// The OTLP/HTTP base URL (`http://collector:4318`); spans are POSTed
    /// to `{otlp_endpoint}/v1/traces` as OTLP JSON.
    public var otlpEndpoint: String
    /// `service.name` of every exported span.
    public var serviceName: String
    /// The share of new traces (no sampled `traceparent` from the client)
    /// that are recorded, 0 to 1. A client's sampled flag is followed as is.
    public var sampleRatio: Double

    public static let defaultServiceName = "idempotency-gateway"

    public init(otlpEndpoint: String, serviceName: String = TracingConfiguration.defaultServiceName, sampleRatio: Double = 1) {
        self.otlpEndpoint = otlpEndpoint
        self.serviceName = serviceName
        self.sampleRatio = sampleRatio
    }
}
