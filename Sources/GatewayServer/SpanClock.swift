#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Turns the monotonic instants the gateway measures with (NIO deadlines,
/// `ContinuousClock`) into the Unix-epoch nanoseconds OTLP wants, from one
/// reading of each clock taken together at start. Spans are short, so the
/// wall clock's later steps do not matter to them.
struct SpanClock: Sendable {
    private let wall: UInt64
    private let deadline: NIODeadline
    private let continuous: ContinuousClock.Instant

    init() {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        wall = UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
        deadline = .now()
        continuous = .now
    }

    func unixNanos(_ instant: NIODeadline) -> UInt64 {
        offset(Int64((instant - deadline).nanoseconds))
    }

    func unixNanos(_ instant: ContinuousClock.Instant) -> UInt64 {
        let (seconds, attoseconds) = (instant - continuous).components
        return offset(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    private func offset(_ nanos: Int64) -> UInt64 {
        nanos >= 0 ? wall &+ UInt64(nanos) : wall &- UInt64(-nanos)
    }
}
