import GatewayCore
import Logging

/// Logs and counts an async operation that settled after its client got 202:
/// no response carries that result, so the pipeline hands it here.
public enum OperationSettledReport {
    public static func handler(logger: Logger, metrics: GatewayMetrics) -> @Sendable (PipelineResult, Route, GatewayRequest) -> Void {
        { result, route, request in
            let requestID = request.headers.first(named: "X-Request-Id") ?? "-"
            let reporter = ExchangeReporter(logger: logger, metrics: metrics)
            // The forwarded request carries the gateway's own traceparent.
            let trace = request.trace ?? TraceContext.resolve(request.headers.first(named: "traceparent"))
            reporter.report(result, route: route, requestID: requestID, trace: trace)
            logger.info("operation settled", metadata: [
                "request.id": "\(requestID)", "trace_id": "\(trace.traceIDHex)", "route": "\(route.name)", "status": "\(result.response.status)",
                "outcome": "\(result.outcome.rawValue)", "key.hash": "\(result.keyDigest ?? "-")",
            ])
        }
    }
}
