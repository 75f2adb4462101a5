import GatewayCore

/// One finished span, as the exporter sends it: ids, times since the Unix
/// epoch and a few attributes. Built only for recorded traces.
struct SpanRecord: Sendable {
    /// OTLP's SpanKind numbers.
    enum Kind: Int, Sendable {
        case `internal` = 1
        case server = 2
        case client = 3
    }

    enum Value: Sendable {
        case string(String)
        case int(Int)
    }

    var traceHigh: UInt64
    var traceLow: UInt64
    var spanID: UInt64
    var parentSpanID: UInt64?
    var name: String
    var kind: Kind
    var startUnixNano: UInt64
    var endUnixNano: UInt64
    var attributes: [(String, Value)]
    /// OTLP status `ERROR`: a 5xx answer, or an upstream call that failed.
    var failed: Bool
}
