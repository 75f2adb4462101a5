import Synchronization

/// Lets a repeating log line through once, then at most once per `interval`
/// with the number held back since the last one it let through. While Redis
/// is down every keyed request fails its claim the same way: one line each
/// wrote 84 MB of log in 5 s, which buries everything else and can fill the
/// disk; a few lines a second with a count say the same.
///
/// Lines are told apart by a key the caller builds from fixed parts (a
/// message and an operation, never a request's values), so the table stays
/// as small as the set of messages. A burst's last held-back count is
/// reported with the next line of the same key, whenever that comes.
public final class WarningThrottle: Sendable {
    /// Whether to write the line now.
    public enum Verdict: Sendable, Hashable {
        /// Write it, saying how many like it were held back before it.
        case log(suppressed: Int)
        case suppress
    }

    private struct Entry {
        var lastLogged: ContinuousClock.Instant
        var suppressed: Int
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let interval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(interval: Duration = .seconds(1), now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.interval = interval
        self.now = now
    }

    /// Decides for one occurrence of the line `key`.
    public func admit(_ key: String) -> Verdict {
        let current = now()
        return entries.withLock { entries in
            if var entry = entries[key], current - entry.lastLogged < interval {
                entry.suppressed += 1
                entries[key] = entry
                return .suppress
            }
            let suppressed = entries[key]?.suppressed ?? 0
            entries[key] = Entry(lastLogged: current, suppressed: 0)
            return .log(suppressed: suppressed)
        }
    }
}
