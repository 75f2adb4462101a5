import GatewayCore
import NIOConcurrencyHelpers
import NIOCore

/// Times every store operation, counts its failures, and keeps the
/// `idempotency_in_flight` gauge: a claim is open from the round trip that
/// acquires it until the first settle call for it, whatever that call's fate
/// (the pipeline always settles what it acquires).
public final class InstrumentedStore: IdempotencyStore {
    private let base: any IdempotencyStore
    private let metrics: GatewayMetrics
    private let open = NIOLockedValueBox(Set<ClaimToken>())

    public init(_ base: any IdempotencyStore, metrics: GatewayMetrics) {
        self.base = base
        self.metrics = metrics
    }

    public func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) async throws(StoreUnavailable) -> ClaimResult {
        let result = try await timed("claim") { () async throws(StoreUnavailable) in
            try await base.claim(key, claim, lease: lease, ttl: ttl)
        }
        if case .acquired = result {
            open.withLockedValue { _ = $0.insert(claim.token) }
            metrics.claimOpened(route: key.route)
        }
        return result
    }

    public func renew(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) async throws(StoreUnavailable) -> Bool {
        try await timed("renew") { () async throws(StoreUnavailable) in try await base.renew(key, claim, lease: lease, ttl: ttl) }
    }

    public func complete(_ key: StoreKey, _ claim: PendingClaim, snapshot: Snapshot, ttl: Duration) async throws(StoreUnavailable) -> Bool {
        closeClaim(key, claim)
        let stored = try await timed("complete") { () async throws(StoreUnavailable) in
            try await base.complete(key, claim, snapshot: snapshot, ttl: ttl)
        }
        if stored { metrics.stored(route: key.route, bytes: snapshot.body.count) }
        return stored
    }

    public func release(_ key: StoreKey, _ claim: PendingClaim) async throws(StoreUnavailable) -> Bool {
        closeClaim(key, claim)
        return try await timed("release") { () async throws(StoreUnavailable) in try await base.release(key, claim) }
    }

    public func ping() async throws(StoreUnavailable) {
        try await timed("ping") { () async throws(StoreUnavailable) in try await base.ping() }
    }

    // MARK: Rate limits (issue 17, `rate_limit`)

    public func spend(_ bucket: RateLimitKey, _ rate: GCRA) async throws(StoreUnavailable) -> RateLimitVerdict {
        try await timed("rate_limit") { () async throws(StoreUnavailable) in try await base.spend(bucket, rate) }
    }

    /// Timed as a claim: for the store it is one, with the budget spent inside.
    public func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration,
                      spending bucket: RateLimitKey, _ rate: GCRA) async throws(StoreUnavailable) -> RateLimitedClaim {
        let result = try await timed("claim") { () async throws(StoreUnavailable) in
            try await base.claim(key, claim, lease: lease, ttl: ttl, spending: bucket, rate)
        }
        if case .claimed(.acquired) = result {
            open.withLockedValue { _ = $0.insert(claim.token) }
            metrics.claimOpened(route: key.route)
        }
        return result
    }
    // MARK: - Support operations

    public func inspect(_ key: StoreKey) async throws(StoreUnavailable) -> KeyInspection? {
        try await timed("inspect") { () async throws(StoreUnavailable) in try await base.inspect(key) }
    }

    public func purge(_ key: StoreKey, force: Bool) async throws(StoreUnavailable) -> PurgeResult {
        try await timed("purge") { () async throws(StoreUnavailable) in try await base.purge(key, force: force) }
    }

    // MARK: Async operations

    public func publishOperation(_ operation: OperationRecord, at key: String, ttl: Duration) async throws(StoreUnavailable) -> Bool {
        try await timed("publish_operation") { () async throws(StoreUnavailable) in
            try await base.publishOperation(operation, at: key, ttl: ttl)
        }
    }

    public func finishOperation(_ operation: OperationRecord, at key: String, ttl: Duration) async throws(StoreUnavailable) {
        try await timed("finish_operation") { () async throws(StoreUnavailable) in
            try await base.finishOperation(operation, at: key, ttl: ttl)
        }
    }

    public func readOperation(at key: String) async throws(StoreUnavailable) -> OperationLookup? {
        try await timed("read_operation") { () async throws(StoreUnavailable) in try await base.readOperation(at: key) }
    }

    private func closeClaim(_ key: StoreKey, _ claim: PendingClaim) {
        if open.withLockedValue({ $0.remove(claim.token) }) != nil {
            metrics.claimClosed(route: key.route)
        }
    }

    private func timed<T>(_ operation: String, _ body: () async throws(StoreUnavailable) -> T) async throws(StoreUnavailable) -> T {
        let start = NIODeadline.now()
        do {
            let value = try await body()
            metrics.storeCall(operation: operation, failed: false, nanoseconds: (NIODeadline.now() - start).nanoseconds)
            return value
        } catch {
            metrics.storeCall(operation: operation, failed: true, nanoseconds: (NIODeadline.now() - start).nanoseconds)
            throw error
        }
    }
}
