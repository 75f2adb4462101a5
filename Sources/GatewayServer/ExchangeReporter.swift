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
    var exporter: OTLPSpanExporter? = nil

    /// The request metrics and the access log line. Numbers go in as
    /// `.stringConvertible`, which `JSONLogHandler` writes as JSON numbers;
    /// `bytesOut` is nil when the body's size is not known (a streamed body
    /// without a declared length).
    func record(_ exchange: ExchangeRecord, result: PipelineResult, bytesOut: Int?) {
        let ended = NIODeadline.now()
        let elapsed = ended - exchange.started
        metrics.request(route: exchange.routeName, outcome: result.outcome, status: result.response.status, nanoseconds: elapsed.nanoseconds)
        if exchange.trace.recorded, let exporter {
            exporter.submit(RequestSpans.make(exchange, result: result, ended: ended, clock: exporter.clock))
        }
        // The metadata costs a dictionary and a dozen strings per request:
        // build it only when the line will be written.
        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "request.id": "\(exchange.requestID)",
            "route": "\(exchange.routeName)",
            "method": "\(exchange.method)",
            "path": "\(exchange.path)",
            "status": .stringConvertible(result.response.status),
            "outcome": "\(result.outcome.rawValue)",
            "duration_ms": .stringConvertible(Double(elapsed.nanoseconds) / 1e6),
            "bytes_in": .stringConvertible(exchange.bytesIn),
            "trace_id": "\(exchange.trace.traceIDHex)",
        ]
        if let bytesOut { metadata["bytes_out"] = .stringConvertible(bytesOut) }
        if let address = exchange.clientAddress { metadata["client.address"] = "\(address)" }
        if let agent = exchange.userAgent { metadata["user_agent"] = "\(agent)" }
        if let upstream = exchange.upstreamName { metadata["upstream"] = "\(upstream)" }
        if let status = result.upstreamStatus { metadata["upstream_status"] = .stringConvertible(status) }
        if let upstream = result.upstreamDuration {
            let (seconds, attoseconds) = upstream.components
            metadata["upstream_ms"] = .stringConvertible(Double(seconds) * 1e3 + Double(attoseconds) / 1e15)
        }
        if let fence = result.fence { metadata["fence"] = .stringConvertible(fence) }
        if let digest = result.keyDigest { metadata["key.hash"] = "\(digest)" }
        logger.info("request", metadata: metadata)
    }

    /// The pipeline's events: store failures, lost leases, upstream failures,
    /// ambiguous outcomes, unreadable records. Each names the request's
    /// `request.id` and `trace_id`, as its access line does.
    ///
    /// Lines that an outage repeats for every request (a claim that cannot
    /// reach Redis, an upstream that is down) go through `metrics.warnings`.
    /// Lines that may explain a double execution (a lost lease, a snapshot
    /// not stored) or name a key an operator may need (an ambiguous outcome,
    /// an unreadable record) are written every time: there is at most one
    /// per executed request, and an audit needs each of them.
    func report(_ result: PipelineResult, route: Route, requestID: String, trace: TraceContext) {
        var leaseLossReported = false
        let keyHash = result.keyDigest ?? "-"
        for event in result.events {
            switch event {
            case .storeError(let operation, let reason):
                var metadata: Logger.Metadata = [
                    "request.id": "\(requestID)", "trace_id": "\(trace.traceIDHex)", "route": "\(route.name)", "operation": "\(operation)", "reason": "\(reason)",
                    "key.hash": "\(keyHash)",
                ]
                if operation != "complete" {
                    guard let suppressed = admit("store operation failed", operation) else { continue }
                    if suppressed > 0 { metadata["suppressed"] = .stringConvertible(suppressed) }
                }
                logger.warning("store operation failed", metadata: metadata)
            case .leaseLost:
                // Once per request: renewal and settling may both find out.
                guard !leaseLossReported else { continue }
                leaseLossReported = true
                metrics.leaseLost(route: route.name)
                logger.warning("idempotency lease lost", metadata: [
                    "request.id": "\(requestID)", "trace_id": "\(trace.traceIDHex)", "route": "\(route.name)", "key.hash": "\(keyHash)",
                    "fence": result.fence.map { Logger.MetadataValue.stringConvertible($0) } ?? "-",
                ])
            case .upstreamFailure(let kind, let message):
                guard let suppressed = admit("upstream call failed", "\(route.upstream.name) \(kind)") else { continue }
                var metadata: Logger.Metadata = [
                    "request.id": "\(requestID)", "trace_id": "\(trace.traceIDHex)", "route": "\(route.name)", "upstream": "\(route.upstream.name)", "kind": "\(kind)",
                    "reason": "\(Self.withoutQueries(message))",
                ]
                if suppressed > 0 { metadata["suppressed"] = .stringConvertible(suppressed) }
                logger.notice("upstream call failed", metadata: metadata)
            case .ambiguousOutcome(let cause, let held):
                metrics.ambiguousOutcome(route: route.name, cause: cause)
                logger.notice("upstream outcome unknown", metadata: [
                    "request.id": "\(requestID)", "trace_id": "\(trace.traceIDHex)", "route": "\(route.name)", "key.hash": "\(keyHash)",
                    "cause": "\(cause.rawValue)", "claim": "\(held ? "held" : "released")",
                    "fence": result.fence.map { Logger.MetadataValue.stringConvertible($0) } ?? "-",
                ])
            case .recordCorrupt(let bytes):
                metrics.recordCorrupt(route: route.name)
                logger.error("idempotency record corrupt", metadata: [
                    "request.id": "\(requestID)", "trace_id": "\(trace.traceIDHex)", "route": "\(route.name)", "key.hash": "\(keyHash)", "bytes": .stringConvertible(bytes),
                ])
            case .shadow(let verdict):
                metrics.shadowed(route: route.name, would: verdict)
                logger.info("idempotency shadow verdict", metadata: [
                    "request.id": "\(requestID)", "route": "\(route.name)", "key.hash": "\(keyHash)", "would": "\(verdict.rawValue)",
                ])
            case .operation(let state):
                metrics.operation(route: route.name, state: state)
            case .stored, .claimAbandoned:
                break
            }
        }
    }

    /// The number of lines held back before this one, or nil to hold it back.
    private func admit(_ message: String, _ detail: String) -> Int? {
        switch metrics.warnings.admit(message + "\u{0}" + detail) {
        case .log(let suppressed): return suppressed
        case .suppress: return nil
        }
    }

    /// A query string may carry tokens: any `?…` in a transport message is
    /// cut to `?…` up to the next space or closing bracket. The transport
    /// should not put one there; this holds if it ever does.
    static func withoutQueries(_ message: String) -> String {
        guard message.contains("?") else { return message }
        var result = ""
        var inQuery = false
        for character in message {
            if inQuery {
                if character == " " || character == ")" || character == "]" || character == ">" || character == "\"" {
                    inQuery = false
                    result.append(character)
                }
            } else {
                result.append(character)
                if character == "?" {
                    inQuery = true
                    result.append("…")
                }
            }
        }
        return result
    }
}
