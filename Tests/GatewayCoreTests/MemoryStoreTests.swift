import Testing
@testable import GatewayCore

@Suite struct MemoryStoreTests {
    let clock = ManualClock()
    let store: MemoryStore
    let key = StoreKey(rawValue: "idem:charges:k1")
    let fingerprint = Fingerprint.compute(method: "POST", path: "/v1/charges", query: nil, body: Array("a".utf8))
    let otherPrint = Fingerprint.compute(method: "POST", path: "/v1/charges", query: nil, body: Array("b".utf8))
    let snapshot = Snapshot(status: 201, headers: [HeaderField(name: "Content-Type", value: "text/plain")], body: Array("created".utf8))

    init() {
        store = MemoryStore(now: clock.nowFunction)
    }

    @Test func firstClaimAcquires() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        #expect(try await store.claim(key, claim, lease: .seconds(60), ttl: .seconds(3600)) == .acquired(claim.fenced(1)))
        #expect(await store.record(for: key) == .pending(claim.fenced(1)))
        #expect(await store.count == 1)
    }

    @Test func secondClaimSeesInFlightWithTheRemainingLease() async throws {
        _ = try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(60), ttl: .seconds(3600))
        clock.advance(by: .seconds(15))
        let second = try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(60), ttl: .seconds(3600))
        #expect(second == .inFlight(remainingLease: .seconds(45)))
    }

    @Test func claimWithAnotherFingerprintIsAMismatch() async throws {
        _ = try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(60), ttl: .seconds(3600))
        #expect(try await store.claim(key, PendingClaim(fingerprint: otherPrint), lease: .seconds(60), ttl: .seconds(3600)) == .mismatch)
    }

    @Test func completedRecordIsReplayed() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(60), ttl: .seconds(3600))
        #expect(try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(3600)))
        #expect(try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(60), ttl: .seconds(3600)) == .completed(snapshot))
        #expect(await store.record(for: key) == .completed(fingerprint: fingerprint, snapshot: snapshot))
    }

    @Test func completedRecordWithAnotherFingerprintIsAMismatch() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(60), ttl: .seconds(3600))
        _ = try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(3600))
        #expect(try await store.claim(key, PendingClaim(fingerprint: otherPrint), lease: .seconds(60), ttl: .seconds(3600)) == .mismatch)
    }

    @Test func keysAreIndependent() async throws {
        let a = PendingClaim(fingerprint: fingerprint)
        let b = PendingClaim(fingerprint: otherPrint)
        #expect(try await store.claim(key, a, lease: .seconds(60), ttl: .seconds(3600)) == .acquired(a.fenced(1)))
        #expect(try await store.claim(StoreKey(rawValue: "idem:charges:k2"), b, lease: .seconds(60), ttl: .seconds(3600)) == .acquired(b.fenced(1)))
        #expect(await store.count == 2)
    }

    @Test func expiredLeaseFreesTheKey() async throws {
        _ = try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(10), ttl: .seconds(3600))
        clock.advance(by: .seconds(10))
        let next = PendingClaim(fingerprint: otherPrint)
        #expect(try await store.claim(key, next, lease: .seconds(10), ttl: .seconds(3600)) == .acquired(next.fenced(2)))
    }

    @Test func completeFailsAfterTheLeaseExpiredAndAnotherClaimTookTheKey() async throws {
        let first = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, first, lease: .seconds(10), ttl: .seconds(3600))
        clock.advance(by: .seconds(11))
        let second = PendingClaim(fingerprint: fingerprint)
        #expect(try await store.claim(key, second, lease: .seconds(10), ttl: .seconds(3600)) == .acquired(second.fenced(2)))
        #expect(try await store.complete(key, first, snapshot: snapshot, ttl: .seconds(3600)) == false)
        #expect(await store.record(for: key) == .pending(second.fenced(2)))
        // The new owner still settles normally.
        #expect(try await store.complete(key, second, snapshot: snapshot, ttl: .seconds(3600)))
    }

    @Test func completeFailsAfterTheLeaseExpiredEvenWithNoNewOwner() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(10), ttl: .seconds(3600))
        clock.advance(by: .seconds(10))
        #expect(try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(3600)) == false)
        #expect(await store.record(for: key) == nil)
    }

    @Test func completeTwiceOnlyWritesOnce() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(10), ttl: .seconds(3600))
        #expect(try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(3600)))
        let later = Snapshot(status: 500, headers: [], body: [])
        #expect(try await store.complete(key, claim, snapshot: later, ttl: .seconds(3600)) == false)
        #expect(await store.record(for: key) == .completed(fingerprint: fingerprint, snapshot: snapshot))
    }

    @Test func completeOnAFreeKeyWritesNothing() async throws {
        #expect(try await store.complete(key, PendingClaim(fingerprint: fingerprint), snapshot: snapshot, ttl: .seconds(60)) == false)
        #expect(await store.record(for: key) == nil)
        #expect(await store.count == 0)
    }

    @Test func releaseByTheOwnerFreesTheKey() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(60), ttl: .seconds(3600))
        #expect(try await store.release(key, claim))
        #expect(await store.record(for: key) == nil)
        let retry = PendingClaim(fingerprint: fingerprint)
        #expect(try await store.claim(key, retry, lease: .seconds(60), ttl: .seconds(3600)) == .acquired(retry.fenced(2)))
    }

    @Test func releaseBySomeoneElseLeavesTheClaim() async throws {
        let owner = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, owner, lease: .seconds(60), ttl: .seconds(3600))
        let stranger = PendingClaim(fingerprint: fingerprint)   // same fingerprint, other token
        #expect(try await store.release(key, stranger) == false)
        #expect(await store.record(for: key) == .pending(owner.fenced(1)))
    }

    @Test func releaseCannotDeleteACompletedRecord() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(60), ttl: .seconds(3600))
        _ = try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(3600))
        #expect(try await store.release(key, claim) == false)
        #expect(await store.record(for: key) == .completed(fingerprint: fingerprint, snapshot: snapshot))
    }

    @Test func releaseAfterLeaseLossLeavesTheNewOwner() async throws {
        let first = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, first, lease: .seconds(5), ttl: .seconds(3600))
        clock.advance(by: .seconds(6))
        let second = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, second, lease: .seconds(5), ttl: .seconds(3600))
        #expect(try await store.release(key, first) == false)
        #expect(await store.record(for: key) == .pending(second.fenced(2)))
    }

    @Test func completedRecordLivesForItsTTLThenExpires() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(10), ttl: .seconds(3600))
        clock.advance(by: .seconds(5))
        _ = try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(100))
        // The TTL runs from completion, not from the claim: still there after the lease.
        clock.advance(by: .seconds(99))
        #expect(try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(10), ttl: .seconds(3600)) == .completed(snapshot))
        clock.advance(by: .seconds(1))
        #expect(await store.record(for: key) == nil)
        #expect(await store.count == 0)
        let fresh = PendingClaim(fingerprint: otherPrint)
        #expect(try await store.claim(key, fresh, lease: .seconds(10), ttl: .seconds(3600)) == .acquired(fresh.fenced(2)))
    }

    @Test func countIgnoresExpiredKeys() async throws {
        _ = try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(5), ttl: .seconds(3600))
        _ = try await store.claim(StoreKey(rawValue: "k2"), PendingClaim(fingerprint: fingerprint), lease: .seconds(50), ttl: .seconds(3600))
        #expect(await store.count == 2)
        clock.advance(by: .seconds(5))
        #expect(await store.count == 1)
    }

    @Test func sweepKeepsLiveKeys() async throws {
        let live = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, live, lease: .seconds(3600), ttl: .seconds(3600))
        for index in 0..<1100 {
            _ = try await store.claim(StoreKey(rawValue: "short-\(index)"), PendingClaim(fingerprint: fingerprint), lease: .seconds(1), ttl: .seconds(3600))
            if index == 500 { clock.advance(by: .seconds(2)) }
        }
        #expect(await store.record(for: key) == .pending(live.fenced(1)))
        #expect(await store.count == 1 + (1100 - 501))
    }

    @Test func pingSucceeds() async throws {
        try await store.ping()
    }

    @Test func defaultClockWorks() async throws {
        let realStore = MemoryStore()
        let claim = PendingClaim(fingerprint: fingerprint)
        #expect(try await realStore.claim(key, claim, lease: .seconds(60), ttl: .seconds(60)) == .acquired(claim.fenced(1)))
    }

    @Test func fencesGrowWithEveryNewClaimOfAKey() async throws {
        let first = PendingClaim(fingerprint: fingerprint)
        #expect(try await store.claim(key, first, lease: .seconds(10), ttl: .seconds(60)) == .acquired(first.fenced(1)))
        #expect(try await store.release(key, first.fenced(1)))
        let second = PendingClaim(fingerprint: fingerprint)
        #expect(try await store.claim(key, second, lease: .seconds(10), ttl: .seconds(60)) == .acquired(second.fenced(2)))
        // A lease that lapses also moves the fence on: the stale owner holds 2, the new one 3.
        clock.advance(by: .seconds(10))
        let third = PendingClaim(fingerprint: fingerprint)
        #expect(try await store.claim(key, third, lease: .seconds(10), ttl: .seconds(60)) == .acquired(third.fenced(3)))
        #expect(await store.fence(for: key) == 3)
        // Another key counts on its own.
        let other = StoreKey(rawValue: "idem:charges:k2")
        #expect(try await store.claim(other, first, lease: .seconds(10), ttl: .seconds(60)) == .acquired(first.fenced(1)))
    }

    @Test func fenceCounterOutlivesItsRecordByOneTTLThenExpires() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(10), ttl: .seconds(100))
        #expect(try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(100)))
        clock.advance(by: .seconds(150))
        #expect(await store.record(for: key) == nil)
        #expect(await store.fence(for: key) == 1)
        clock.advance(by: .seconds(50))
        #expect(await store.fence(for: key) == nil)
    }

    @Test func renewExtendsOnlyTheOwnersLease() async throws {
        let owner = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, owner, lease: .seconds(10), ttl: .seconds(60))
        clock.advance(by: .seconds(8))
        #expect(try await store.renew(key, owner, lease: .seconds(10), ttl: .seconds(60)))
        clock.advance(by: .seconds(8))
        // 16 s after the claim, a 10 s lease still holds: the renewal moved it.
        #expect(try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(10), ttl: .seconds(60))
                == .inFlight(remainingLease: .seconds(2)))
        let stranger = PendingClaim(fingerprint: fingerprint)
        #expect(try await store.renew(key, stranger, lease: .seconds(10), ttl: .seconds(60)) == false)
        clock.advance(by: .seconds(2))
        #expect(try await store.renew(key, owner, lease: .seconds(10), ttl: .seconds(60)) == false)
        #expect(await store.record(for: key) == nil)
    }

    @Test func renewCannotReviveACompletedRecord() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(10), ttl: .seconds(60))
        _ = try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(60))
        #expect(try await store.renew(key, claim, lease: .seconds(10), ttl: .seconds(60)) == false)
        #expect(await store.record(for: key) == .completed(fingerprint: fingerprint, snapshot: snapshot))
    }
}
