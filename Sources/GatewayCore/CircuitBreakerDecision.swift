/// The breaker's answer to "may this call go to the upstream now?".
public enum CircuitBreakerDecision: Sendable, Hashable {
    /// Make the call, then hand the permit back with `record` or `cancel`.
    case allowed(CircuitBreakerPermit)
    /// Do not call the upstream. `retryAfter` is how long the client should
    /// wait: the remaining open time, or one second while every half-open
    /// probe slot is taken (the probes finish within one upstream timeout, and
    /// a short hint spreads the retries instead of herding them).
    case refused(retryAfter: Duration)
}
