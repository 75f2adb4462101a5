/// How one upstream's circuit breaker decides; the `circuit_breaker` block of
/// an upstream. The defaults tolerate a noisy upstream (half of at least 20
/// recent calls must fail) and give a broken one 30 seconds to recover before
/// a handful of probes test it again.
public struct CircuitBreakerSettings: Sendable, Hashable {
    /// The statuses that count as failures unless configured otherwise: the
    /// ones that say "the upstream is unwell", not "the request was wrong".
    public static let defaultFailureStatuses: Set<Int> = [500, 502, 503, 504]

    /// When false the breaker allows every call and records nothing.
    public var enabled: Bool = true
    /// The share of failures in the window, 0...1, at which the breaker opens.
    public var failureRate: Double = 0.5
    /// The window must hold this many outcomes before the rate is trusted, so
    /// one failure among the first calls after a start does not open it.
    /// Values above `window` are treated as `window`, which can never hold more.
    public var minimumCalls: Int = 20
    /// How many of the most recent outcomes are counted.
    public var window: Int = 100
    /// How long an open breaker refuses calls before it lets probes through.
    public var openFor: Duration = .seconds(30)
    /// How many probe calls a half-open breaker admits; all of them must
    /// succeed for it to close.
    public var halfOpenCalls: Int = 5
    /// Upstream statuses that count as failures. Connect errors and timeouts
    /// are failures whatever this says.
    public var failureStatuses: Set<Int> = CircuitBreakerSettings.defaultFailureStatuses

    public init() {}

    /// Whether an upstream answer with this status counts against the upstream.
    public func isFailure(status: Int) -> Bool {
        failureStatuses.contains(status)
    }
}
