import Testing
@testable import GatewayCore

/// The one renewal loop: it renews what is due, reports what renewal ran
/// into to the request that registered the claim, stops renewing a lost
/// lease, and runs only while something is registered.
@Suite struct LeaseKeeperTests {
    private let clock = ManualClock()
    private let ticker = RenewalTicker()

    private func key(_ name: String) -> StoreKey {
        StoreKey(prefix: "idem", route: "charges", scope: [], key: try! IdempotencyKey.parse(name).get())
    }

    private func claimed(_ store: MemoryStore, _ name: String, lease: Duration = .seconds(30)) async throws -> PendingClaim {
        let pending = PendingClaim(fingerprint: Fingerprint.compute(method: "POST", path: "/v1/\(name)", query: nil, body: []))
        guard case .acquired(let owned) = try await store.claim(key(name), pending, lease: lease, ttl: .seconds(60)) else {
            Issue.record("the key \(name) was not free")
            return pending
        }
        return owned
    }

    /// The lease left on `name`, as a new claim sees it.
    private func remainingLease(_ store: MemoryStore, _ name: String) async throws -> ClaimResult {
        let other = PendingClaim(fingerprint: Fingerprint.compute(method: "POST", path: "/v1/\(name)", query: nil, body: []))
        return try await store.claim(key(name), other, lease: .seconds(30), ttl: .seconds(60))
    }

    @Test func aDueClaimIsRenewedAndOneNotDueIsLeftAlone() async throws {
        let store = MemoryStore(now: clock.nowFunction)
        let keeper = LeaseKeeper(store: store, now: clock.nowFunction, sleep: { await ticker.sleep($0) })
        let early = keeper.keep(key("early"), try await claimed(store, "early"), lease: .seconds(30), ttl: .seconds(60))
        #expect(await ticker.waitForSleeps(1))
        clock.advance(by: .seconds(12))
        let late = keeper.keep(key("late"), try await claimed(store, "late"), lease: .seconds(30), ttl: .seconds(60))
        ticker.tick()
        #expect(await ticker.waitForSleeps(2))
        // "early" was due at 10 s and renewed at 12 s; "late" is due at 22 s.
        #expect(try await remainingLease(store, "early") == .inFlight(remainingLease: .seconds(30)))
        #expect(try await remainingLease(store, "late") == .inFlight(remainingLease: .seconds(30)))
        clock.advance(by: .seconds(31))
        // Past late's first lease without its renewal: the key is free again.
        if case .inFlight = try await remainingLease(store, "late") {
            Issue.record("late was renewed before it was due")
        }
        #expect(keeper.release(early).isEmpty)
        #expect(keeper.release(late).isEmpty)
    }

    @Test func aLostLeaseIsReportedOnceAndNotRenewedAgain() async throws {
        let store = MemoryStore(now: clock.nowFunction)
        let keeper = LeaseKeeper(store: store, now: clock.nowFunction, sleep: { await ticker.sleep($0) })
        let stale = try await claimed(store, "k")
        let ticket = keeper.keep(key("k"), stale, lease: .seconds(30), ttl: .seconds(60))
        #expect(await ticker.waitForSleeps(1))
        clock.advance(by: .seconds(31))
        let successor = try await claimed(store, "k")
        #expect(successor.fence == 2)
        ticker.tick()
        #expect(await ticker.waitForSleeps(2))
        clock.advance(by: .seconds(11))
        ticker.tick()
        #expect(await ticker.waitForSleeps(3))
        #expect(keeper.release(ticket) == [.leaseLost])
        // The successor's claim is untouched: renewing it was never ours to do.
        guard case .pending(let held) = await store.record(for: key("k")) else {
            Issue.record("the successor's claim is gone")
            return
        }
        #expect(held.isSameClaim(as: successor))
    }

    @Test func storeErrorsAreReportedAndRenewalGoesOn() async throws {
        let memory = MemoryStore(now: clock.nowFunction)
        let store = FailingStore(healthy: memory, failing: [.renew])
        let keeper = LeaseKeeper(store: store, now: clock.nowFunction, sleep: { await ticker.sleep($0) })
        let ticket = keeper.keep(key("k"), try await claimed(memory, "k"), lease: .seconds(30), ttl: .seconds(60))
        for round in 1...2 {
            #expect(await ticker.waitForSleeps(round))
            clock.advance(by: .seconds(10))
            ticker.tick()
        }
        #expect(await ticker.waitForSleeps(3))
        #expect(store.failedCalls == [.renew, .renew])
        let events = keeper.release(ticket)
        #expect(events.count == 2)
        #expect(events.allSatisfy { if case .storeError(operation: "renew", _) = $0 { true } else { false } })
    }

    @Test func theLoopStopsWhenTheLastClaimLeavesAndStartsAgain() async throws {
        let store = MemoryStore(now: clock.nowFunction)
        let keeper = LeaseKeeper(store: store, now: clock.nowFunction, sleep: { await ticker.sleep($0) })
        let first = keeper.keep(key("a"), try await claimed(store, "a"), lease: .seconds(30), ttl: .seconds(60))
        #expect(await ticker.waitForSleeps(1))
        #expect(keeper.release(first).isEmpty)
        #expect(keeper.count == 0)
        ticker.tick()   // the loop wakes, finds nothing, and ends: no new sleep
        try await Task.sleep(for: .milliseconds(50))
        #expect(ticker.sleepsEntered == 1)
        let second = keeper.keep(key("b"), try await claimed(store, "b"), lease: .seconds(30), ttl: .seconds(60))
        #expect(await ticker.waitForSleeps(2))
        clock.advance(by: .seconds(10))
        ticker.tick()
        #expect(await ticker.waitForSleeps(3))
        #expect(try await remainingLease(store, "b") == .inFlight(remainingLease: .seconds(30)))
        #expect(keeper.release(second).isEmpty)
    }
}
