import GatewayCore
import Synchronization

/// A store that is down: the chosen operations throw `StoreUnavailable` and
/// are counted; the others go to `healthy`, when one is given.
final class FailingStore: IdempotencyStore {
    enum Operation: Sendable, Hashable, CaseIterable {
        case claim, renew, complete, release, ping, inspect, purge
        case publishOperation, finishOperation, readOperation
    }

    private let failing: Set<Operation>
    private let healthy: (any IdempotencyStore)?
    private let failures = Mutex<[Operation]>([])

    /// - Parameters:
    ///   - healthy: answers the operations that do not fail.
    ///   - failing: the operations that throw; all of them by default.
    init(healthy: (any IdempotencyStore)? = nil, failing: Set<Operation> = Set(Operation.allCases)) {
        self.healthy = healthy
        self.failing = failing
    }

    /// Every failed call, in order.
    var failedCalls: [Operation] { failures.withLock { $0 } }

    func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) async throws(StoreUnavailable) -> ClaimResult {
        try await pass(.claim) { store throws(StoreUnavailable) in try await store.claim(key, claim, lease: lease, ttl: ttl) }
    }

    func renew(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) async throws(StoreUnavailable) -> Bool {
        try await pass(.renew) { store throws(StoreUnavailable) in try await store.renew(key, claim, lease: lease, ttl: ttl) }
    }

    func complete(_ key: StoreKey, _ claim: PendingClaim, snapshot: Snapshot, ttl: Duration) async throws(StoreUnavailable) -> Bool {
        try await pass(.complete) { store throws(StoreUnavailable) in try await store.complete(key, claim, snapshot: snapshot, ttl: ttl) }
    }

    func release(_ key: StoreKey, _ claim: PendingClaim) async throws(StoreUnavailable) -> Bool {
        try await pass(.release) { store throws(StoreUnavailable) in try await store.release(key, claim) }
    }

    func ping() async throws(StoreUnavailable) {
        try await pass(.ping) { store throws(StoreUnavailable) in try await store.ping() }
    }

    func inspect(_ key: StoreKey) async throws(StoreUnavailable) -> KeyInspection? {
        try await pass(.inspect) { store throws(StoreUnavailable) in try await store.inspect(key) }
    }

    func purge(_ key: StoreKey, force: Bool) async throws(StoreUnavailable) -> PurgeResult {
        try await pass(.purge) { store throws(StoreUnavailable) in try await store.purge(key, force: force) }
    }

    // MARK: Async operations

    func publishOperation(_ operation: OperationRecord, at key: String, ttl: Duration) async throws(StoreUnavailable) -> Bool {
        try await pass(.publishOperation) { store throws(StoreUnavailable) in try await store.publishOperation(operation, at: key, ttl: ttl) }
    }

    func finishOperation(_ operation: OperationRecord, at key: String, ttl: Duration) async throws(StoreUnavailable) {
        try await pass(.finishOperation) { store throws(StoreUnavailable) in try await store.finishOperation(operation, at: key, ttl: ttl) }
    }

    func readOperation(at key: String) async throws(StoreUnavailable) -> OperationLookup? {
        try await pass(.readOperation) { store throws(StoreUnavailable) in try await store.readOperation(at: key) }
    }

    private func pass<T>(
        _ operation: Operation,
        _ body: (any IdempotencyStore) async throws(StoreUnavailable) -> T
    ) async throws(StoreUnavailable) -> T {
        guard !failing.contains(operation), let healthy else {
            failures.withLock { $0.append(operation) }
            throw StoreUnavailable("connection refused (test: \(operation))")
        }
        return try await body(healthy)
    }
}
