/// Defaults for the rate-limit operations, so a store written before them
/// (a test double) still conforms. A store that cannot count throws, and the
/// route's `on_unavailable` decides, as for any store failure.
extension IdempotencyStore {
    public func spend(_ bucket: RateLimitKey, _ rate: GCRA) async throws(StoreUnavailable) -> RateLimitVerdict {
        throw StoreUnavailable("this store does not keep rate limits")
    }

    public func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration,
                      spending bucket: RateLimitKey, _ rate: GCRA) async throws(StoreUnavailable) -> RateLimitedClaim {
        try await RateLimitedClaim.sequentially(self, key, claim, lease: lease, ttl: ttl, spending: bucket, rate)
    }
}
