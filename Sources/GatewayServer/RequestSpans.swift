import GatewayCore
import NIOCore

/// The spans of one recorded request: `request` (the gateway's server span,
/// child of the client's span when it sent one) and under it the pipeline's
/// phases, `claim`, `forward` (the upstream's parent) and `settle`.
enum RequestSpans {
    static func make(_ exchange: ExchangeRecord, result: PipelineResult, ended: NIODeadline, clock: SpanClock) -> [SpanRecord] {
        let trace = exchange.trace
        var request = SpanRecord(
            traceHigh: trace.own.traceHigh, traceLow: trace.own.traceLow, spanID: trace.own.spanID, parentSpanID: trace.parentSpanID,
            name: "request", kind: .server, startUnixNano: clock.unixNanos(exchange.started), endUnixNano: clock.unixNanos(ended),
            attributes: [
                ("http.request.method", .string(exchange.method)), ("url.path", .string(exchange.path)),
                ("http.route", .string(exchange.routeName)), ("http.response.status_code", .int(result.response.status)),
                ("idempotency.outcome", .string(result.outcome.rawValue)),
            ],
            failed: result.response.status >= 500)
        if let address = exchange.clientAddress { request.attributes.append(("client.address", .string(address))) }
        if let fence = result.fence { request.attributes.append(("idempotency.fence", .int(Int(truncatingIfNeeded: fence)))) }
        var spans = [request]
        for phase in result.phases {
            var span = SpanRecord(
                traceHigh: trace.own.traceHigh, traceLow: trace.own.traceLow, spanID: UniqueBits.next().low, parentSpanID: trace.own.spanID,
                name: phase.name, kind: .internal, startUnixNano: clock.unixNanos(phase.start), endUnixNano: clock.unixNanos(phase.end),
                attributes: [], failed: false)
            if phase.name == "forward" {
                span.kind = .client
                span.spanID = trace.forwardSpanID ?? span.spanID
                if let upstream = exchange.upstreamName { span.attributes.append(("upstream.name", .string(upstream))) }
                if let status = result.upstreamStatus {
                    span.attributes.append(("http.response.status_code", .int(status)))
                    span.failed = status >= 500
                } else {
                    span.failed = true
                }
            }
            spans.append(span)
        }
        return spans
    }
}
