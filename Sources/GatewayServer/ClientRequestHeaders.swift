import GatewayCore
import NIOHTTP1

/// The headers a routed client request is forwarded with, and its trace:
/// built in one pass over the client's fields, which is the request path's
/// only pass over them.
enum ClientRequestHeaders {
    /// The client's fields less those the gateway replaces (Host for an
    /// absolute-form target, X-Request-Id, Expect, traceparent), plus the
    /// gateway's X-Request-Id and `traceparent` naming the gateway's span.
    /// A sampled trace is recorded when there is an `exporter`.
    static func forwarded(_ fields: HTTPHeaders, authority: String?, requestID: String,
                          exporter: OTLPSpanExporter?) -> ([HeaderField], TraceContext) {
        var headers: [HeaderField] = []
        headers.reserveCapacity(fields.count + 2)
        var traceparent: String?
        var traceparents = 0
        var carriesTracestate = false
        for (name, value) in fields {
            switch name.utf8.count {
            // An absolute-form target's authority replaces Host (RFC 9112 §3.2.2).
            case 4 where authority != nil && name.caseInsensitiveEquals("host"): continue
            // The gateway sets its own request id below.
            case 12 where name.caseInsensitiveEquals("x-request-id"): continue
            // Met by the gateway itself (see Expectation), and the upstream
            // gets the whole body at once.
            case 6 where name.caseInsensitiveEquals("expect"): continue
            // Replaced by the gateway's own span below.
            case 11 where name.caseInsensitiveEquals("traceparent"):
                traceparent = value
                traceparents += 1
                continue
            case 10 where name.caseInsensitiveEquals("tracestate"):
                carriesTracestate = true
                headers.append(HeaderField(name: name, value: value))
            default: headers.append(HeaderField(name: name, value: value))
            }
        }
        if let authority { headers.append(HeaderField(name: "Host", value: authority)) }
        headers.append(HeaderField(name: "X-Request-Id", value: requestID))
        // Two traceparent fields are as invalid as a malformed one: a new trace.
        var trace = TraceContext.resolve(traceparents == 1 ? traceparent : nil,
                                         sampleNew: { exporter?.samples(traceLow: $0) ?? false })
        if exporter != nil, trace.own.sampled { trace.record() }
        // tracestate belongs to the trace it came with (W3C Trace Context §3.3).
        if carriesTracestate, !trace.continued { headers.remove(named: "tracestate") }
        headers.append(HeaderField(name: "traceparent", value: trace.forwarded))
        return (headers, trace)
    }

    /// The trace of a request that is not forwarded (no route, refused):
    /// still continued or started, so its log line names a trace id.
    static func trace(_ fields: HTTPHeaders) -> TraceContext {
        let values = fields["traceparent"]
        return TraceContext.resolve(values.count == 1 ? values[0] : nil)
    }
}
