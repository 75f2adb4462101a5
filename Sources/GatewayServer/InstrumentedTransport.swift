import GatewayCore
import NIOCore

/// Times every upstream call and counts its result by class
/// (`upstream_request_duration_seconds`, `upstream_responses_total`).
public final class InstrumentedTransport: UpstreamTransport {
    private let base: any UpstreamTransport
    private let metrics: GatewayMetrics

    public init(_ base: any UpstreamTransport, metrics: GatewayMetrics) {
        self.base = base
        self.metrics = metrics
    }

    public func send(_ request: UpstreamRequest) async throws(UpstreamFailure) -> UpstreamResponse {
        let start = NIODeadline.now()
        do {
            let response = try await base.send(request)
            let responseClass = (100...599).contains(response.status) ? "\(response.status / 100)xx" : "5xx"
            metrics.upstreamCall(upstream: request.upstreamName, responseClass: responseClass,
                                 nanoseconds: (NIODeadline.now() - start).nanoseconds)
            return response
        } catch {
            // A broken connection after connecting is counted with connect
            // errors: both mean "no usable answer from this upstream".
            let responseClass = error.kind == .timeout ? "timeout" : "connect_error"
            metrics.upstreamCall(upstream: request.upstreamName, responseClass: responseClass,
                                 nanoseconds: (NIODeadline.now() - start).nanoseconds)
            throw error
        }
    }
}
