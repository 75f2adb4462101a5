/// What a request does when another request with the same key is in flight.
public enum ConflictMode: String, Sendable, Hashable, CaseIterable {
    /// Answer 409 with Retry-After at once (Stripe's behaviour).
    case reject
    /// Wait up to `wait_timeout` for the first request's stored result.
    case wait
}
