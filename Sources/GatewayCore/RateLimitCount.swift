/// `rate_limit.count`: which requests of a route spend from the principal's
/// budget. Replays never do: they cost the upstream nothing.
public enum RateLimitCount: String, Sendable, Hashable, CaseIterable {
    /// Requests that carry a valid key and would execute (their claim is
    /// acquired). What fills Redis and runs the upstream is fresh keys, so
    /// this is the default, and it costs a first execution no extra round
    /// trip: the budget is spent by the claim script.
    case keyed
    /// Every request on the route, keyed or not, whatever its method
    /// (replays still excepted). An unkeyed request costs one round trip.
    case all
}
