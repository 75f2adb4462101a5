/// The store's answer to spending one request from a rate-limit budget.
public enum RateLimitVerdict: Sendable, Hashable {
    case allowed
    /// Over the limit; the next request is allowed after this long.
    case limited(retryAfter: Duration)
}
