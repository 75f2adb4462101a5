import GatewayCore
import Logging
import NIOCore

/// Turns one answered request into its metrics and log lines: the access
/// line (`record`) and the lines for what happened on the way (`report`).
/// Kept apart from the connection handler so the handler deals in bytes and
/// states only.
struct ExchangeReporter {
    let logger: Logger
    let metrics: GatewayMetrics

    /// The request metrics and the access log line.
    func record(_ exchange: ExchangeRecord, result: PipelineResult) {
        let elapsed = NIODeadline.now() - exchange.started
        metrics.request(route: exchange.routeName, outcome: result.outcome, nanoseconds: elapsed.nanoseconds)
        // The metadata costs a dictionary and six strings per request: build
        // it only when the line will be written.
        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "request.id": "\(exchange.requestID)",
            "route": "\(exchange.routeName)",
            "method": "\(exchange.method)",
            "status": "\(result.response.status)",
            "outcome": "\(result.outcome.rawValue)",
            "duration_ms": "\(Double(elapsed.nanoseconds) / 1e6)",
        ]
        if let upstream = result.upstreamDuration {
            let (seconds, attoseconds) = upstream.components
            metadata["upstream_ms"] = "\(Double(seconds) * 1e3 + Double(attoseconds) / 1e15)"
        }
        if let digest = result.keyDigest { metadata["key.hash"] = "\(digest)" }
        logger.info("request", metadata: metadata)
    }

    /// The pipeline's events: store failures, lost leases, upstream failures.
    func report(_ result: PipelineResult, route: Route, requestID: String) {
        var leaseLossReported = false
        for event in result.events {
            switch event {
            case .storeError(let operation, let reason):
                logger.warning("store operation failed", metadata: [
                    "request.id": "\(requestID)", "route": "\(route.name)", "operation": "\(operation)", "reason": "\(reason)",
                    "key.hash": "\(result.keyDigest ?? "-")",
                ])
            case .leaseLost:
                // Once per request: renewal and settling may both find out.
                guard !leaseLossReported else { continue }
                leaseLossReported = true
                metrics.leaseLost(route: route.name)
                logger.warning("idempotency lease lost", metadata: [
                    "request.id": "\(requestID)", "route": "\(route.name)", "key.hash": "\(result.keyDigest ?? "-")",
                    "fence": "\(result.fence.map(String.init) ?? "-")",
                ])
            case .upstreamFailure(let kind, let message):
                logger.notice("upstream call failed", metadata: [
                    "request.id": "\(requestID)", "route": "\(route.name)", "upstream": "\(route.upstream.name)", "kind": "\(kind)", "reason": "\(message)",
                ])
            case .stored:
                break
            }
        }
    }
}
