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
        #expect(try await store.claim(key, claim, lease: .seconds(60)) == .acquired(claim))
        #expect(await store.record(for: key) == .pending(claim))
        #expect(await store.count == 1)
    }

    @Test func secondClaimSeesInFlightWithTheRemainingLease() async throws {
        _ = try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(60))
        clock.advance(by: .seconds(15))
        let second = try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(60))
        #expect(second == .inFlight(remainingLease: .seconds(45)))
    }

    @Test func claimWithAnotherFingerprintIsAMismatch() async throws {
        _ = try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(60))
        #expect(try await store.claim(key, PendingClaim(fingerprint: otherPrint), lease: .seconds(60)) == .mismatch)
    }

    @Test func completedRecordIsReplayed() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(60))
        #expect(try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(3600)))
        #expect(try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(60)) == .completed(snapshot))
        #expect(await store.record(for: key) == .completed(fingerprint: fingerprint, snapshot: snapshot))
    }

    @Test func completedRecordWithAnotherFingerprintIsAMismatch() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(60))
        _ = try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(3600))
        #expect(try await store.claim(key, PendingClaim(fingerprint: otherPrint), lease: .seconds(60)) == .mismatch)
    }

    @Test func keysAreIndependent() async throws {
        let a = PendingClaim(fingerprint: fingerprint)
        let b = PendingClaim(fingerprint: otherPrint)
        #expect(try await store.claim(key, a, lease: .seconds(60)) == .acquired(a))
        #expect(try await store.claim(StoreKey(rawValue: "idem:charges:k2"), b, lease: .seconds(60)) == .acquired(b))
        #expect(await store.count == 2)
    }

    @Test func expiredLeaseFreesTheKey() async throws {
        _ = try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(10))
        clock.advance(by: .seconds(10))
        let next = PendingClaim(fingerprint: otherPrint)
        #expect(try await store.claim(key, next, lease: .seconds(10)) == .acquired(next))
    }

    @Test func completeFailsAfterTheLeaseExpiredAndAnotherClaimTookTheKey() async throws {
        let first = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, first, lease: .seconds(10))
        clock.advance(by: .seconds(11))
        let second = PendingClaim(fingerprint: fingerprint)
        #expect(try await store.claim(key, second, lease: .seconds(10)) == .acquired(second))
        #expect(try await store.complete(key, first, snapshot: snapshot, ttl: .seconds(3600)) == false)
        #expect(await store.record(for: key) == .pending(second))
        // The new owner still settles normally.
        #expect(try await store.complete(key, second, snapshot: snapshot, ttl: .seconds(3600)))
    }

    @Test func completeFailsAfterTheLeaseExpiredEvenWithNoNewOwner() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(10))
        clock.advance(by: .seconds(10))
        #expect(try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(3600)) == false)
        #expect(await store.record(for: key) == nil)
    }

    @Test func completeTwiceOnlyWritesOnce() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(10))
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
        _ = try await store.claim(key, claim, lease: .seconds(60))
        #expect(try await store.release(key, claim))
        #expect(await store.record(for: key) == nil)
        let retry = PendingClaim(fingerprint: fingerprint)
        #expect(try await store.claim(key, retry, lease: .seconds(60)) == .acquired(retry))
    }

    @Test func releaseBySomeoneElseLeavesTheClaim() async throws {
        let owner = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, owner, lease: .seconds(60))
        let stranger = PendingClaim(fingerprint: fingerprint)   // same fingerprint, other token
        #expect(try await store.release(key, stranger) == false)
        #expect(await store.record(for: key) == .pending(owner))
    }

    @Test func releaseCannotDeleteACompletedRecord() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(60))
        _ = try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(3600))
        #expect(try await store.release(key, claim) == false)
        #expect(await store.record(for: key) == .completed(fingerprint: fingerprint, snapshot: snapshot))
    }

    @Test func releaseAfterLeaseLossLeavesTheNewOwner() async throws {
        let first = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, first, lease: .seconds(5))
        clock.advance(by: .seconds(6))
        let second = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, second, lease: .seconds(5))
        #expect(try await store.release(key, first) == false)
        #expect(await store.record(for: key) == .pending(second))
    }

    @Test func completedRecordLivesForItsTTLThenExpires() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(10))
        clock.advance(by: .seconds(5))
        _ = try await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(100))
        // The TTL runs from completion, not from the claim: still there after the lease.
        clock.advance(by: .seconds(99))
        #expect(try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(10)) == .completed(snapshot))
        clock.advance(by: .seconds(1))
        #expect(await store.record(for: key) == nil)
        #expect(await store.count == 0)
        let fresh = PendingClaim(fingerprint: otherPrint)
        #expect(try await store.claim(key, fresh, lease: .seconds(10)) == .acquired(fresh))
    }

    @Test func countIgnoresExpiredKeys() async throws {
        _ = try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(5))
        _ = try await store.claim(StoreKey(rawValue: "k2"), PendingClaim(fingerprint: fingerprint), lease: .seconds(50))
        #expect(await store.count == 2)
        clock.advance(by: .seconds(5))
        #expect(await store.count == 1)
    }

    @Test func sweepKeepsLiveKeys() async throws {
        let live = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, live, lease: .seconds(3600))
        for index in 0..<1100 {
            _ = try await store.claim(StoreKey(rawValue: "short-\(index)"), PendingClaim(fingerprint: fingerprint), lease: .seconds(1))
            if index == 500 { clock.advance(by: .seconds(2)) }
        }
        #expect(await store.record(for: key) == .pending(live))
        #expect(await store.count == 1 + (1100 - 501))
    }

    @Test func pingSucceeds() async throws {
        try await store.ping()
    }

    @Test func defaultClockWorks() async throws {
        let realStore = MemoryStore()
        let claim = PendingClaim(fingerprint: fingerprint)
        #expect(try await realStore.claim(key, claim, lease: .seconds(60)) == .acquired(claim))
    }
}
