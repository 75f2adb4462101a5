/// The answer of a claim that also spends from a rate-limit budget: the
/// budget is spent only when the key is free and the claim is acquired, so
/// replays, 409s and 422s never count.
public enum RateLimitedClaim: Sendable {
    /// The claim's answer; `.acquired` means the budget was spent too.
    case claimed(ClaimResult)
    /// The key was free but the budget is spent: nothing was claimed.
    case limited(retryAfter: Duration)

    /// Claim, then spend, then release the claim if the budget was spent:
    /// two round trips for a first execution, three for a refused one. For
    /// stores that cannot do both in one step (Redis Cluster: the record and
    /// the budget live in different slots).
    public static func sequentially(
        _ store: any IdempotencyStore, _ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration,
        spending bucket: RateLimitKey, _ rate: GCRA
    ) async throws(StoreUnavailable) -> RateLimitedClaim {
        let answer = try await store.claim(key, claim, lease: lease, ttl: ttl)
        guard case .acquired(let owned) = answer else { return .claimed(answer) }
        let verdict: RateLimitVerdict
        do {
            verdict = try await store.spend(bucket, rate)
        } catch {
            _ = try? await store.release(key, owned)
            throw error
        }
        switch verdict {
        case .allowed:
            return .claimed(answer)
        case .limited(let retryAfter):
            _ = try? await store.release(key, owned)
            return .limited(retryAfter: retryAfter)
        }
    }
}
