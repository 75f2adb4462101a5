/// When one phase of the pipeline (`claim`, `forward`, `settle`) ran, for
/// the spans of a recorded trace. Only a request whose trace is recorded
/// (`TraceContext.recorded`) reads the clock for these.
public struct PhaseTiming: Sendable, Equatable {
    public var name: String
    public var start: ContinuousClock.Instant
    public var end: ContinuousClock.Instant

    public init(_ name: String, start: ContinuousClock.Instant, end: ContinuousClock.Instant) {
        self.name = name
        self.start = start
        self.end = end
    }
}
