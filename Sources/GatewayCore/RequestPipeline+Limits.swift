extension RequestPipeline {
    /// A request that claims nothing (no policy for its method, no key, or a
    /// shadow route's refusal) spends from its budget first when the route
    /// counts every request (`rate_limit.count: all`), then is forwarded.
    /// A store that cannot count is handled as for a claim: `on_unavailable`.
    func unclaimed(_ request: GatewayRequest, route: Route, outcome: RequestOutcome,
                   events: [PipelineEvent] = []) async -> PipelineResult {
        guard let limit = route.rateLimit, limit.count == .all else {
            return await passThrough(request, route: route, outcome: outcome, events: events)
        }
        let bucket = limit.bucket(for: request, route: route.name, prefix: settings.keyPrefix)
        do {
            switch try await store.spend(bucket, limit.rate) {
            case .allowed:
                return await passThrough(request, route: route, outcome: outcome, events: events)
            case .limited(let retryAfter):
                return rateLimited(retryAfter: retryAfter, key: nil)
            }
        } catch {
            let failed = events + [.storeError(operation: "rate_limit", reason: error.reason)]
            if settings.onUnavailable == .passThrough {
                return await passThrough(request, route: route, outcome: .storeUnavailable, events: failed)
            }
            return result(Problems.storeUnavailable().response, .storeUnavailable, events: failed)
        }
    }

    /// The claim's store round trip; with a rate limit, the budget is spent
    /// in the same step, and only when the claim is acquired, so replays and
    /// refusals never count and a first execution pays no extra round trip.
    func storeClaim(_ request: GatewayRequest, route: Route, policy: IdempotencyPolicy, key: StoreKey,
                    pending: PendingClaim) async throws(StoreUnavailable) -> RateLimitedClaim {
        guard let limit = route.rateLimit else {
            return .claimed(try await store.claim(key, pending, lease: policy.lockTTL, ttl: policy.ttl))
        }
        let bucket = limit.bucket(for: request, route: route.name, prefix: settings.keyPrefix)
        return try await store.claim(key, pending, lease: policy.lockTTL, ttl: policy.ttl, spending: bucket, limit.rate)
    }

    /// 429 `rate-limited`, with Retry-After rounded up to whole seconds.
    func rateLimited(retryAfter: Duration, key: StoreKey?) -> PipelineResult {
        result(Problems.rateLimited(retryAfter: retryAfter).response, .rateLimited, key: key)
    }
}
