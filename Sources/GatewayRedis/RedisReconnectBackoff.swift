/// When a link may try to connect again. Without it, every batch would
/// wait for its own connect attempt while Redis is down; with it, commands
/// fail at once during the pause, and the store still recovers on its own
/// within `longest` of Redis coming back.
struct RedisReconnectBackoff {
    static let first: Duration = .milliseconds(100)
    static let longest: Duration = .seconds(1)

    private var delay = first
    /// Nil while connected or before the first failure.
    private(set) var notBefore: ContinuousClock.Instant?

    func allowsAttempt(at now: ContinuousClock.Instant) -> Bool {
        guard let notBefore else { return true }
        return now >= notBefore
    }

    /// Doubles the pause after each failed attempt, up to `longest`.
    mutating func attemptFailed(at now: ContinuousClock.Instant) {
        notBefore = now + delay
        delay = min(delay * 2, Self.longest)
    }

    mutating func connected() {
        notBefore = nil
        delay = Self.first
    }
}
