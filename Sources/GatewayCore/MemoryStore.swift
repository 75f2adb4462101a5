/// An in-process store: the `memory` backend, for one gateway instance and for
/// trying the gateway out, and the store of the unit tests. It keeps the same
/// contract as Redis, TTLs included, against an injectable clock.
public actor MemoryStore: IdempotencyStore {
    private struct Entry {
        var record: IdempotencyRecord
        var expires: ContinuousClock.Instant
    }

    private var entries: [StoreKey: Entry] = [:]
    private let now: @Sendable () -> ContinuousClock.Instant
    private var writesSinceSweep = 0

    /// - Parameter now: the clock; tests inject one they can move forward.
    public init(now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.now = now
    }

    public func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration) throws(StoreUnavailable) -> ClaimResult {
        let current = now()
        if let entry = live(key, at: current) {
            return entry.record.claimResult(for: claim.fingerprint, remainingLease: entry.expires - current)
        }
        entries[key] = Entry(record: .pending(claim), expires: current + lease)
        sweepOccasionally(at: current)
        return .acquired(claim)
    }

    public func complete(_ key: StoreKey, _ claim: PendingClaim, snapshot: Snapshot, ttl: Duration) throws(StoreUnavailable) -> Bool {
        let current = now()
        guard let entry = live(key, at: current), entry.record == .pending(claim) else { return false }
        entries[key] = Entry(record: .completed(fingerprint: claim.fingerprint, snapshot: snapshot), expires: current + ttl)
        return true
    }

    public func release(_ key: StoreKey, _ claim: PendingClaim) throws(StoreUnavailable) -> Bool {
        guard let entry = live(key, at: now()), entry.record == .pending(claim) else { return false }
        entries[key] = nil
        return true
    }

    public func ping() throws(StoreUnavailable) {}

    /// The record under `key`, if it has not expired; for tests and inspection.
    public func record(for key: StoreKey) -> IdempotencyRecord? {
        live(key, at: now())?.record
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

    /// Expired keys are dropped lazily on access; this sweep bounds the memory
    /// held by keys nobody asks for again.
    private func sweepOccasionally(at current: ContinuousClock.Instant) {
        writesSinceSweep += 1
        guard writesSinceSweep >= 1024 else { return }
        writesSinceSweep = 0
        entries = entries.filter { $0.value.expires > current }
    }
}
