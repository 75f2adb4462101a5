/// The gateway's place in one request's trace: the client's trace continued,
/// or a new one, and the gateway's own span in it. The upstream receives
/// `forwarded` (same trace id, the gateway's span as parent), the log line
/// names `traceIDHex`, and spans are exported under `spanID`.
public struct TraceContext: Sendable, Equatable {
    /// The trace id and flags, with the gateway's span id.
    public var own: TraceParent
    /// The client's span id when it sent a valid `traceparent`; nil when the
    /// gateway started the trace.
    public var parentSpanID: UInt64?
    /// Set when an exporter records this trace: the pipeline then times
    /// its phases, and the upstream's parent is the `forward` span.
    public private(set) var forwardSpanID: UInt64?

    public init(own: TraceParent, parentSpanID: UInt64?) {
        self.own = own
        self.parentSpanID = parentSpanID
    }

    /// Whether spans of this request are exported.
    public var recorded: Bool { forwardSpanID != nil }

    /// Marks the trace recorded (the caller has an exporter and the trace is
    /// sampled), with its own id for the `forward` span.
    public mutating func record() {
        forwardSpanID = UniqueBits.next().low
    }

    /// Continues a valid `traceparent`, or starts a trace, as the spec says
    /// for one that is missing or invalid. A new trace is `sampled` when
    /// `sampleNew` says so (only an exporter records anything); a continued
    /// one keeps the client's decision. Ids come from `UniqueBits`: unique
    /// without a system call per request (the high half of a new trace id is
    /// the process's random prefix, the low half a mixed counter).
    public static func resolve(_ traceparent: String?, sampleNew: (UInt64) -> Bool = { _ in false }) -> TraceContext {
        let span = UniqueBits.next().low
        if let traceparent, let received = TraceParent.parse(traceparent) {
            return TraceContext(own: TraceParent(traceHigh: received.traceHigh, traceLow: received.traceLow, spanID: span,
                                                 flags: received.flags & 1),
                                parentSpanID: received.spanID)
        }
        let (high, low) = UniqueBits.next()
        return TraceContext(own: TraceParent(traceHigh: high, traceLow: low, spanID: span, flags: sampleNew(low) ? 1 : 0),
                            parentSpanID: nil)
    }

    /// Whether the trace was continued from the client.
    public var continued: Bool { parentSpanID != nil }

    /// The `traceparent` the upstream receives: the gateway's span, or its
    /// `forward` span when recorded.
    public var forwarded: String {
        guard let forwardSpanID else { return own.header }
        var parent = own
        parent.spanID = forwardSpanID
        return parent.header
    }

    public var traceIDHex: String { own.traceIDHex }
}
