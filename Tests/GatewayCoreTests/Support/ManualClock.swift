import Synchronization

/// A clock that stands still until a test moves it, for TTLs and wait deadlines.
final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    private let offset = Mutex<Duration>(.zero)

    var now: ContinuousClock.Instant {
        start + offset.withLock { $0 }
    }

    /// For `MemoryStore(now:)` and `RequestPipeline(now:)`.
    var nowFunction: @Sendable () -> ContinuousClock.Instant {
        { [self] in self.now }
    }

    func advance(by duration: Duration) {
        offset.withLock { $0 += duration }
    }
}
