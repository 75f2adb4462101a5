/// Where claims and snapshots live. Every method is one round trip to the
/// backing store, and every key written carries a TTL.
///
/// Implementations: `MemoryStore` (one process; trying it out, unit tests)
/// and `RedisStore` (production, shared by many gateways).
///
/// Each key also has a fencing counter beside its record. It outlives the
/// record by one `ttl`, so a new claim made after a lost lease always gets a
/// larger number than the claim it replaced.
public protocol IdempotencyStore: Sendable {
    /// Atomically: if `key` is free, write `claim` with a TTL of `lease`,
    /// take the next fencing number, and return `.acquired` with it;
    /// otherwise report what holds the key. `ttl` is how long a completed
    /// record will be kept: the fencing counter is kept `lease + ttl`.
    func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) async throws(StoreUnavailable) -> ClaimResult

    /// Extends the lease of `claim` to `lease` from now, only while it still
    /// owns the key. Returns false when the lease was already lost. Called
    /// every `lease / 3` while the upstream call runs, so a slow call keeps
    /// its key and a crashed gateway's key frees itself within one lease.
    func renew(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) async throws(StoreUnavailable) -> Bool

    /// Replaces the pending record with the completed snapshot, kept for
    /// `ttl`, only while `claim` still owns the key. Returns false when the
    /// lease was lost (expired and possibly re-claimed): nothing is written then.
    func complete(_ key: StoreKey, _ claim: PendingClaim, snapshot: Snapshot, ttl: Duration) async throws(StoreUnavailable) -> Bool

    /// Deletes the pending record only while `claim` still owns the key, so
    /// a retry executes again. Returns false when the lease was already lost.
    /// The fencing counter stays, so the retry gets a larger number.
    func release(_ key: StoreKey, _ claim: PendingClaim) async throws(StoreUnavailable) -> Bool

    /// Succeeds when the store answers; used by readiness probes.
    func ping() async throws(StoreUnavailable)

    // MARK: Rate limits (issue 17, `rate_limit`)

    /// Spends one request from `bucket` at `rate` (GCRA), atomically, the
    /// budget's key kept only until it is full again. Used for requests that
    /// claim nothing (`rate_limit.count: all` on an unkeyed request).
    func spend(_ bucket: RateLimitKey, _ rate: GCRA) async throws(StoreUnavailable) -> RateLimitVerdict

    /// `claim`, spending from `bucket` only when the key is free: a replay,
    /// a 409 or a 422 never counts, and a refused request claims nothing.
    /// One round trip where the store can (one Redis server).
    func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration,
               spending bucket: RateLimitKey, _ rate: GCRA) async throws(StoreUnavailable) -> RateLimitedClaim

    // MARK: - Support operations (admin key API, `idempotency-gateway key`)
    // Not on the request path; kept together so other additions merge apart.

    /// What lives under `key` right now: the stored bytes, their remaining
    /// TTL and the fencing counter, read in one round trip without changing
    /// anything (no TTL is repaired). Nil when no record lives under `key`.
    func inspect(_ key: StoreKey) async throws(StoreUnavailable) -> KeyInspection?

    /// Deletes the record under `key`, so the next request with that key
    /// executes again. A pending claim is left alone (`.inFlight`) unless
    /// `force`: its request may still be running upstream. The fencing
    /// counter stays, so the next claim gets a larger number than any before.
    func purge(_ key: StoreKey, force: Bool) async throws(StoreUnavailable) -> PurgeResult

    // MARK: Async operations (`idempotency.async`)
    // Only routes with `async` call these, and only once a call outlasts
    // `after`: the first-execution path stays claim + complete.

    /// Writes `operation` under `key` (`OperationID.storeKey`) with `ttl`
    /// unless the key exists. False when it did: the operation settled first.
    func publishOperation(_ operation: OperationRecord, at key: String, ttl: Duration) async throws(StoreUnavailable) -> Bool

    /// Overwrites the operation under `key` with its settled form, kept for
    /// `ttl` (the record's own `ttl`, so both expire together).
    func finishOperation(_ operation: OperationRecord, at key: String, ttl: Duration) async throws(StoreUnavailable)

    /// The operation under `key` and the record now under its store key (nil
    /// when none, or unreadable); nil when there is no such operation.
    func readOperation(at key: String) async throws(StoreUnavailable) -> OperationLookup?
}
