import Synchronization

/// Renews the lease of every claim whose upstream call is still running, from
/// one loop for the whole process.
///
/// A request that owns a key registers its claim before it calls the
/// upstream and unregisters it after; in between, the loop renews the claim
/// every `lock_ttl / 3`, so a call slower than the lease keeps its key.
/// Renewal stops at the first answer that the lease is gone: another owner
/// has the key then, and settling will find out too.
///
/// Why one loop and not a child task per request: nearly every call ends long
/// before its first renewal is due, and a child task that sleeps costs a task,
/// a task group and a timer per request, the timer outliving the request by
/// the whole interval. Here a request costs two short critical sections, and
/// the loop runs only while some claim is registered: it exits when the last
/// one leaves, and the next registration starts it again.
public final class LeaseKeeper: Sendable {
    /// One registered claim.
    public struct Ticket: Sendable, Hashable {
        fileprivate let id: UInt64
    }

    /// What `abandonAll` did with one claim.
    public struct Abandoned: Sendable, Hashable {
        public var key: StoreKey
        /// True when `outcome-unknown` was stored (an `on_ambiguous: hold`
        /// route), false when the claim was released.
        public var held: Bool
        /// False when the store refused (the lease was already gone) or failed.
        public var settled: Bool
    }

    private struct Entry {
        let key: StoreKey
        let claim: PendingClaim
        let lease: Duration
        let ttl: Duration
        /// The upstream's name when the route holds ambiguous outcomes.
        let holdingFor: String?
        var due: ContinuousClock.Instant
        var renewing = false
        /// The store said another owner has the key: never renewed again.
        var lost = false
        var events: [PipelineEvent] = []

        var interval: Duration { lease / 3 }
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var nextID: UInt64 = 0
        var loopRunning = false
        /// The shortest renewal interval registered so far; the loop never
        /// sleeps longer, so a claim registered mid-sleep is never late.
        var shortestInterval: Duration?
    }

    private let state = Mutex(State())
    private let store: any IdempotencyStore
    private let now: @Sendable () -> ContinuousClock.Instant
    private let sleep: @Sendable (Duration) async -> Void

    public init(store: any IdempotencyStore,
                now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
                sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }) {
        self.store = store
        self.now = now
        self.sleep = sleep
    }

    /// Keeps `claim`'s lease alive until `release`. `holdingFor` names the
    /// upstream when the route's `on_ambiguous` is `hold`: `abandonAll` then
    /// stores `outcome-unknown` instead of releasing.
    public func keep(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration, holdingFor: String? = nil) -> Ticket {
        let registeredAt = now()
        let (ticket, startLoop) = state.withLock { state -> (Ticket, Bool) in
            let id = state.nextID
            state.nextID += 1
            let entry = Entry(key: key, claim: claim, lease: lease, ttl: ttl, holdingFor: holdingFor,
                              due: registeredAt + lease / 3)
            state.entries[id] = entry
            state.shortestInterval = min(state.shortestInterval ?? entry.interval, entry.interval)
            let start = !state.loopRunning
            state.loopRunning = true
            return (Ticket(id: id), start)
        }
        if startLoop {
            Task { await self.runLoop() }
        }
        return ticket
    }

    /// Stops renewing; returns what renewal ran into (a store error, a lost
    /// lease) for the request's result.
    public func release(_ ticket: Ticket) -> [PipelineEvent] {
        state.withLock { $0.entries.removeValue(forKey: ticket.id)?.events } ?? []
    }

    /// Settles every registered claim at once, concurrently, and stops
    /// renewing them: for the end of a shutdown that timed out, while the
    /// store client is still open. The requests themselves stay registered
    /// until they end; `release` then hands them `.claimAbandoned`, so they
    /// do not settle the claim a second time.
    public func abandonAll() async -> [Abandoned] {
        let entries = state.withLock { state -> [Entry] in
            let live = state.entries.values.filter { !$0.lost }
            for id in state.entries.keys where state.entries[id]?.lost == false {
                state.entries[id]?.lost = true
                state.entries[id]?.events.append(.claimAbandoned)
            }
            return Array(live)
        }
        return await withTaskGroup(of: Abandoned.self) { group in
            for entry in entries {
                group.addTask { await self.abandon(entry) }
            }
            var done: [Abandoned] = []
            for await abandoned in group { done.append(abandoned) }
            return done
        }
    }

    private func abandon(_ entry: Entry) async -> Abandoned {
        let settled: Bool?
        if let upstream = entry.holdingFor {
            let answer = Problems.outcomeUnknown(upstream: upstream, cause: .shutdown).response
            let snapshot = Snapshot(status: answer.status, headers: answer.headers, body: answer.body)
            settled = try? await store.complete(entry.key, entry.claim, snapshot: snapshot, ttl: entry.ttl)
        } else {
            settled = try? await store.release(entry.key, entry.claim)
        }
        return Abandoned(key: entry.key, held: entry.holdingFor != nil, settled: settled ?? false)
    }

    /// How many claims are being kept; for tests and diagnostics.
    public var count: Int {
        state.withLock { $0.entries.count }
    }

    private func runLoop() async {
        while let pause = nextPause() {
            await sleep(pause)
            await renewDue()
        }
    }

    /// How long to sleep before the next renewal, or nil (and the loop marked
    /// stopped, under the same lock) when nothing is registered.
    private func nextPause() -> Duration? {
        let current = now()
        return state.withLock { state -> Duration? in
            guard !state.entries.isEmpty, let shortest = state.shortestInterval else {
                state.loopRunning = false
                return nil
            }
            var pause = shortest
            for entry in state.entries.values where !entry.lost && !entry.renewing {
                pause = min(pause, entry.due - current)
            }
            return max(pause, .zero)
        }
    }

    private func renewDue() async {
        let current = now()
        let due = state.withLock { state -> [(UInt64, Entry)] in
            var due: [(UInt64, Entry)] = []
            for (id, entry) in state.entries where !entry.lost && !entry.renewing && entry.due <= current {
                state.entries[id]?.renewing = true
                due.append((id, entry))
            }
            return due
        }
        guard !due.isEmpty else { return }
        // Concurrently: one slow round trip must not make the others late.
        await withTaskGroup(of: Void.self) { group in
            for (id, entry) in due {
                group.addTask { await self.renew(id, entry) }
            }
        }
    }

    private func renew(_ id: UInt64, _ entry: Entry) async {
        var event: PipelineEvent?
        var lost = false
        do {
            if try await !store.renew(entry.key, entry.claim, lease: entry.lease, ttl: entry.ttl) {
                event = .leaseLost
                lost = true
            }
        } catch {
            // The next attempt may still land inside the lease.
            event = .storeError(operation: "renew", reason: error.reason)
        }
        let finished = now()
        state.withLock { state in
            guard state.entries[id] != nil else { return }
            state.entries[id]?.renewing = false
            state.entries[id]?.due = finished + entry.interval
            if lost { state.entries[id]?.lost = true }
            if let event { state.entries[id]?.events.append(event) }
        }
    }
}
