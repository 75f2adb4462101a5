/// An in-process store: the `memory` backend, for one gateway instance and for
/// trying the gateway out, and the store of the unit tests. It keeps the same
/// contract as Redis, TTLs and fencing counters included, against an
/// injectable clock.
public actor MemoryStore: IdempotencyStore {
    private struct Entry {
        var record: IdempotencyRecord
        var expires: ContinuousClock.Instant
    }

    private struct Fence {
        var value: UInt64
        var expires: ContinuousClock.Instant
    }

    private struct Operation {
        var record: OperationRecord
        var expires: ContinuousClock.Instant
    }

    private var entries: [StoreKey: Entry] = [:]
    private var operations: [String: Operation] = [:]
    private var fences: [StoreKey: Fence] = [:]
    private let now: @Sendable () -> ContinuousClock.Instant
    private var writesSinceSweep = 0

    /// - Parameter now: the clock; tests inject one they can move forward.
    public init(now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.now = now
        self.origin = now()
    }

    public func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) throws(StoreUnavailable) -> ClaimResult {
        let current = now()
        if let entry = live(key, at: current) {
            return entry.record.claimResult(for: claim.fingerprint, remainingLease: entry.expires - current)
        }
        let previous = fences[key].flatMap { $0.expires > current ? $0.value : nil } ?? 0
        let acquired = claim.fenced(previous + 1)
        fences[key] = Fence(value: acquired.fence, expires: current + lease + ttl)
        entries[key] = Entry(record: .pending(acquired), expires: current + lease)
        sweepOccasionally(at: current)
        return .acquired(acquired)
    }

    public func renew(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) throws(StoreUnavailable) -> Bool {
        let current = now()
        guard var entry = owned(key, by: claim, at: current) else { return false }
        entry.expires = current + lease
        entries[key] = entry
        extendFence(key, until: current + lease + ttl)
        return true
    }

    public func complete(_ key: StoreKey, _ claim: PendingClaim, snapshot: Snapshot, ttl: Duration) throws(StoreUnavailable) -> Bool {
        let current = now()
        guard owned(key, by: claim, at: current) != nil else { return false }
        entries[key] = Entry(record: .completed(fingerprint: claim.fingerprint, snapshot: snapshot), expires: current + ttl)
        extendFence(key, until: current + ttl + ttl)
        return true
    }

    public func release(_ key: StoreKey, _ claim: PendingClaim) throws(StoreUnavailable) -> Bool {
        guard owned(key, by: claim, at: now()) != nil else { return false }
        entries[key] = nil
        return true
    }

    public func ping() throws(StoreUnavailable) {}

    // MARK: - Support operations

    public func inspect(_ key: StoreKey) throws(StoreUnavailable) -> KeyInspection? {
        let current = now()
        guard let entry = live(key, at: current) else { return nil }
        return KeyInspection(bytes: entry.record.encoded(), remaining: entry.expires - current, fence: fence(for: key))
    }

    public func purge(_ key: StoreKey, force: Bool) throws(StoreUnavailable) -> PurgeResult {
        guard let entry = live(key, at: now()) else { return .absent }
        if case .pending = entry.record, !force { return .inFlight }
        entries[key] = nil
        return .purged
    }

    // MARK: Async operations

    public func publishOperation(_ operation: OperationRecord, at key: String, ttl: Duration) throws(StoreUnavailable) -> Bool {
        let current = now()
        if let existing = operations[key], existing.expires > current { return false }
        operations[key] = Operation(record: operation, expires: current + ttl)
        sweepOccasionally(at: current)
        return true
    }

    public func finishOperation(_ operation: OperationRecord, at key: String, ttl: Duration) throws(StoreUnavailable) {
        operations[key] = Operation(record: operation, expires: now() + ttl)
    }

    public func readOperation(at key: String) throws(StoreUnavailable) -> OperationLookup? {
        let current = now()
        guard let operation = operations[key], operation.expires > current else {
            operations[key] = nil
            return nil
        }
        // A poll knows the key's text only; polls are rare enough for a scan.
        let storeKey = entries.keys.first { $0.value == operation.record.storeKey }
        let record = storeKey.flatMap { live($0, at: current)?.record }
        return OperationLookup(operation: operation.record, record: record)
    }

    /// The record under `key`, if it has not expired; for tests and inspection.
    public func record(for key: StoreKey) -> IdempotencyRecord? {
        live(key, at: now())?.record
    }

    /// The last fencing number handed out for `key`, if its counter lives.
    public func fence(for key: StoreKey) -> UInt64? {
        fences[key].flatMap { $0.expires > now() ? $0.value : nil }
    }

    /// The number of live keys.
    public var count: Int {
        let current = now()
        return entries.values.filter { $0.expires > current }.count
    }

    private func live(_ key: StoreKey, at current: ContinuousClock.Instant) -> Entry? {
        guard let entry = entries[key] else { return nil }
        if entry.expires <= current {
            entries[key] = nil
            return nil
        }
        return entry
    }

    /// The live entry under `key` when it is `claim`'s pending record.
    private func owned(_ key: StoreKey, by claim: PendingClaim, at current: ContinuousClock.Instant) -> Entry? {
        guard let entry = live(key, at: current), case .pending(let held) = entry.record, held.isSameClaim(as: claim)
        else { return nil }
        return entry
    }

    private func extendFence(_ key: StoreKey, until expiry: ContinuousClock.Instant) {
        guard var fence = fences[key] else { return }
        fence.expires = max(fence.expires, expiry)
        fences[key] = fence
    }

    /// Expired keys are dropped lazily on access; this sweep bounds the memory
    /// held by keys nobody asks for again.
    private func sweepOccasionally(at current: ContinuousClock.Instant) {
        writesSinceSweep += 1
        guard writesSinceSweep >= 1024 else { return }
        writesSinceSweep = 0
        entries = entries.filter { $0.value.expires > current }
        fences = fences.filter { $0.value.expires > current }
        budgets = budgets.filter { $0.value.expires > current }
        operations = operations.filter { $0.value.expires > current }
    }

    // MARK: Rate limits (issue 17, `rate_limit`)

    /// One principal's GCRA state, dropped once its budget is full again.
    private struct Budget {
        var tat: Int64
        var expires: ContinuousClock.Instant
    }

    private var budgets: [RateLimitKey: Budget] = [:]
    /// GCRA counts microseconds; this instant is their zero.
    private let origin: ContinuousClock.Instant

    public func spend(_ bucket: RateLimitKey, _ rate: GCRA) throws(StoreUnavailable) -> RateLimitVerdict {
        let current = now()
        let (seconds, attoseconds) = (current - origin).components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        let stored = budgets[bucket].flatMap { $0.expires > current ? $0.tat : nil }
        switch rate.decide(tat: stored, now: micros) {
        case .allowed(let tat):
            budgets[bucket] = Budget(tat: tat, expires: current + .microseconds(tat - micros))
            sweepOccasionally(at: current)
            return .allowed
        case .limited(let after):
            return .limited(retryAfter: .milliseconds((after + 999) / 1000))
        }
    }

    /// Atomic, as the Redis script is: the budget is spent only for a key
    /// that is free, and a refused request leaves the key free.
    public func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration,
                      spending bucket: RateLimitKey, _ rate: GCRA) throws(StoreUnavailable) -> RateLimitedClaim {
        let current = now()
        if let entry = live(key, at: current) {
            return .claimed(entry.record.claimResult(for: claim.fingerprint, remainingLease: entry.expires - current))
        }
        if case .limited(let retryAfter) = try spend(bucket, rate) { return .limited(retryAfter: retryAfter) }
        return .claimed(try self.claim(key, claim, lease: lease, ttl: ttl))
    }

    /// Live rate-limit budgets; for tests.
    public var budgetCount: Int {
        let current = now()
        return budgets.values.filter { $0.expires > current }.count
    }
}
