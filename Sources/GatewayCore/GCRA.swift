/// The generic cell rate algorithm over whole microseconds: one stored
/// number per principal (the theoretical arrival time, TAT), no window
/// edges that let twice the rate through. Pure arithmetic, so `MemoryStore`
/// uses it as it is and `RedisScript.rateLimitSource` mirrors it line by
/// line in Lua, against Redis's clock.
public struct GCRA: Sendable, Hashable {
    /// Microseconds between two requests at the sustained rate.
    public let interval: Int64
    /// `requests × interval`: how far past now the TAT may run, so that
    /// `requests` requests pass at once from a full budget and no more.
    public let window: Int64

    public init(requests: Int, per: Duration) {
        let (seconds, attoseconds) = per.components
        let micros = max(1, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        let requests = Int64(max(1, requests))
        interval = max(1, micros / requests)
        window = interval * requests
    }

    public enum Decision: Sendable, Hashable {
        /// Let through; store `tat` until it is in the past (`tat - now` µs).
        case allowed(tat: Int64)
        /// Refused; the next request is allowed `after` µs from now.
        case limited(after: Int64)
    }

    /// The decision at `now` for a budget whose stored TAT is `tat` (nil:
    /// never used, or expired, which is the same: a full budget).
    public func decide(tat: Int64?, now: Int64) -> Decision {
        let next = max(tat ?? now, now) + interval
        let allowedAt = next - window
        return allowedAt > now ? .limited(after: allowedAt - now) : .allowed(tat: next)
    }
}
