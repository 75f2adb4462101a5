import GatewayCore

// MARK: Rate limits (issue 17, `rate_limit`)

extension RedisStore {
    public func spend(_ bucket: RateLimitKey, _ rate: GCRA) async throws(StoreUnavailable) -> RateLimitVerdict {
        let request = RedisRequest.evalsha(.rateLimit, keyCount: 1) { command in
            command.append(bucket.value)
            command.append(decimal: Int(rate.interval))
            command.append(decimal: Int(rate.window))
        }
        let reply = try await send(request).get()
        switch reply {
        case .integer(0): return .allowed
        case .integer(let after) where after > 0: return .limited(retryAfter: Self.retryAfter(microseconds: after))
        case .error(let message): throw StoreUnavailable("rate_limit script failed: \(message)")
        default: throw Self.unexpected(reply, from: .rateLimit)
        }
    }

    /// One server: the claim script spends from the budget itself, so a
    /// first execution costs one round trip as without a limit. A key this
    /// store saw completed is still replayed from its cache or by plain GET,
    /// spending nothing.
    /// A cluster keeps the budget in another slot than the record, so it
    /// claims, then spends (`RateLimitedClaim.sequentially`).
    public func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration,
                      spending bucket: RateLimitKey, _ rate: GCRA) async throws(StoreUnavailable) -> RateLimitedClaim {
        guard case .single = nodes else {
            return try await RateLimitedClaim.sequentially(self, key, claim, lease: lease, ttl: ttl, spending: bucket, rate)
        }
        if let answer = try await answerFromCompleted(key, claim) { return .claimed(answer) }
        let pending = IdempotencyRecord.pending(claim).encoded()
        let request = RedisRequest.evalsha(.claimLimited, keyCount: 3, capacity: 256) { command in
            command.append(key.value)
            command.append(key.value, suffix: StoreKey.fenceSuffix)
            command.append(bucket.value)
            command.append(pending)
            command.append(decimal: Self.milliseconds(lease))
            command.append(decimal: Self.milliseconds(lease + ttl))
            command.append(decimal: Self.milliseconds(ttl))
            command.append(decimal: Int(rate.interval))
            command.append(decimal: Int(rate.window))
        }
        let reply = try await send(request).get()
        switch reply {
        case .error(let message):
            throw StoreUnavailable("claim script failed for key \(key.digest): \(message)")
        case .array(let items) where items.count == 1:
            guard case .integer(let after) = items[0], after > 0 else { throw Self.unexpected(reply, from: .claimLimited) }
            return .limited(retryAfter: Self.retryAfter(microseconds: after))
        default:
            return .claimed(try claimResult(from: reply, key: key, claim: claim, script: .claimLimited))
        }
    }

    /// Whole milliseconds, rounded up, so Retry-After (whole seconds,
    /// rounded up from milliseconds) is never early.
    static func retryAfter(microseconds: Int64) -> Duration {
        .milliseconds((microseconds + 999) / 1000)
    }
}
