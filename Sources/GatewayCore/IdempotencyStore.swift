/// Where claims and snapshots live. Every method is one round trip to the
/// backing store, and every key written carries a TTL.
///
/// Implementations: `MemoryStore` (one process; trying it out, unit tests)
/// and `RedisStore` (production, shared by many gateways).
public protocol IdempotencyStore: Sendable {
    /// Atomically: if `key` is free, write `claim` with a TTL of `lease` and
    /// return `.acquired`; otherwise report what holds it.
    func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration) async throws(StoreUnavailable) -> ClaimResult

    /// Replaces the pending record with the completed snapshot, kept for
    /// `ttl`, only while `claim` still owns the key. Returns false when the
    /// lease was lost (expired and possibly re-claimed): nothing is written then.
    func complete(_ key: StoreKey, _ claim: PendingClaim, snapshot: Snapshot, ttl: Duration) async throws(StoreUnavailable) -> Bool

    /// Deletes the pending record only while `claim` still owns the key, so
    /// a retry executes again. Returns false when the lease was already lost.
    func release(_ key: StoreKey, _ claim: PendingClaim) async throws(StoreUnavailable) -> Bool

    /// Succeeds when the store answers; used by readiness probes.
    func ping() async throws(StoreUnavailable)
}
