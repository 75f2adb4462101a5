import GatewayCore

/// The OTLP/HTTP JSON body of an export request
/// (`ExportTraceServiceRequest`, opentelemetry-proto's JSON mapping): ids in
/// lowercase hex, 64-bit integers as decimal strings, enums as numbers.
/// Written by hand: the whole message is a few fixed shapes.
enum OTLPJSON {
    static func exportRequest(_ spans: [SpanRecord], serviceName: String) -> [UInt8] {
        var out = #"{"resourceSpans":[{"resource":{"attributes":["#
        out += attribute("service.name", .string(serviceName))
        out += "," + attribute("service.version", .string(GatewayVersion.current))
        out += #"]},"scopeSpans":[{"scope":{"name":"idempotency-gateway"},"spans":["#
        for (index, span) in spans.enumerated() {
            if index > 0 { out += "," }
            out += #"{"traceId":""# + TraceParent(traceHigh: span.traceHigh, traceLow: span.traceLow, spanID: 1, flags: 0).traceIDHex
            out += #"","spanId":""# + TraceParent.hex(spanID: span.spanID) + "\""
            if let parent = span.parentSpanID { out += #","parentSpanId":""# + TraceParent.hex(spanID: parent) + "\"" }
            out += #","name":"# + JSONText.quote(span.name) + #","kind":\#(span.kind.rawValue)"#
            out += #","startTimeUnixNano":"\#(span.startUnixNano)","endTimeUnixNano":"\#(span.endUnixNano)""#
            out += #","attributes":["# + span.attributes.map { attribute($0.0, $0.1) }.joined(separator: ",") + "]"
            if span.failed { out += #","status":{"code":2}"# }
            out += "}"
        }
        out += "]}]}]}"
        return Array(out.utf8)
    }

    private static func attribute(_ key: String, _ value: SpanRecord.Value) -> String {
        switch value {
        case .string(let text): return #"{"key":\#(JSONText.quote(key)),"value":{"stringValue":\#(JSONText.quote(text))}}"#
        case .int(let number): return #"{"key":\#(JSONText.quote(key)),"value":{"intValue":"\#(number)"}}"#
        }
    }
}
