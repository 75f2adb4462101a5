import GatewayCore
import Logging

/// Logs and counts an async operation that settled after its client got 202:
/// no response carries that result, so the pipeline hands it here.
public enum OperationSettledReport {
    public static func handler(logger: Logger, metrics: GatewayMetrics) -> @Sendable (PipelineResult, Route, GatewayRequest) -> Void {
        { result, route, request in
            let requestID = request.headers.first(named: "X-Request-Id") ?? "-"
            let reporter = ExchangeReporter(logger: logger, metrics: metrics)
            reporter.report(result, route: route, requestID: requestID)
            logger.info("operation settled", metadata: [
                "request.id": "\(requestID)", "route": "\(route.name)", "status": "\(result.response.status)",
                "outcome": "\(result.outcome.rawValue)", "key.hash": "\(result.keyDigest ?? "-")",
            ])
        }
    }
}
