import Foundation
import GatewayCore
import GatewayRedis
import Testing

/// A record someone stripped of its TTL (PERSIST, or written by hand) must
/// not hold its key for good: the claim script gives it one, a lease for a
/// pending claim, the route's ttl for a completed record.
@Suite(.serialized)
struct RecordWithoutTTLTests {
    @Test func aPersistedPendingClaimFreesWithinOneLease() async throws {
        let fixture = try await RedisStoreTests.Fixture()
        let key = RedisStoreTests.key()
        let lease: Duration = .milliseconds(800)
        let owner = PendingClaim(fingerprint: RedisStoreTests.fingerprint("a"))
        #expect(try await fixture.store.claim(key, owner, lease: lease, ttl: RedisStoreTests.ttl) == .acquired(owner.fenced(1)))
        #expect(try await fixture.client.command(["PERSIST", key.value]) == .integer(1))
        #expect(try await fixture.client.command(["PTTL", key.value]) == .integer(-1))

        let retry = PendingClaim(fingerprint: RedisStoreTests.fingerprint("a"))
        #expect(try await fixture.store.claim(key, retry, lease: lease, ttl: RedisStoreTests.ttl) == .inFlight(remainingLease: lease))
        guard case .integer(let ttl) = try await fixture.client.command(["PTTL", key.value]) else {
            Issue.record("PTTL did not answer an integer")
            return
        }
        #expect(ttl > 0 && ttl <= 800)

        // Nobody renews it (its owner is gone): within the lease the key is free again.
        let deadline = ContinuousClock.now + .seconds(3)
        var result = try await fixture.store.claim(key, retry, lease: lease, ttl: RedisStoreTests.ttl)
        while case .inFlight = result, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            result = try await fixture.store.claim(key, retry, lease: lease, ttl: RedisStoreTests.ttl)
        }
        #expect(result == .acquired(retry.fenced(2)))
    }

    @Test func aLiveOwnerKeepsItsPersistedClaimByRenewing() async throws {
        let fixture = try await RedisStoreTests.Fixture()
        let key = RedisStoreTests.key()
        let owner = PendingClaim(fingerprint: RedisStoreTests.fingerprint("a"))
        guard case .acquired(let owned) = try await fixture.store.claim(key, owner, lease: .seconds(5), ttl: RedisStoreTests.ttl) else {
            Issue.record("the key was not free")
            return
        }
        _ = try await fixture.client.command(["PERSIST", key.value])
        let retry = PendingClaim(fingerprint: RedisStoreTests.fingerprint("a"))
        #expect(try await fixture.store.claim(key, retry, lease: .seconds(5), ttl: RedisStoreTests.ttl) == .inFlight(remainingLease: .seconds(5)))
        #expect(try await fixture.store.renew(key, owned, lease: .seconds(5), ttl: RedisStoreTests.ttl))
        #expect(try await fixture.store.complete(key, owned, snapshot: RedisStoreTests.snapshot, ttl: RedisStoreTests.ttl))
        #expect(try await fixture.store.claim(key, retry, lease: .seconds(5), ttl: RedisStoreTests.ttl) == .completed(RedisStoreTests.snapshot))
    }

    @Test func aPersistedCompletedRecordGetsTheRoutesTTLAndStillReplays() async throws {
        let fixture = try await RedisStoreTests.Fixture()
        let key = RedisStoreTests.key()
        let owner = PendingClaim(fingerprint: RedisStoreTests.fingerprint("a"))
        guard case .acquired(let owned) = try await fixture.store.claim(key, owner, lease: .seconds(5), ttl: RedisStoreTests.ttl) else {
            Issue.record("the key was not free")
            return
        }
        #expect(try await fixture.store.complete(key, owned, snapshot: RedisStoreTests.snapshot, ttl: RedisStoreTests.ttl))
        _ = try await fixture.client.command(["PERSIST", key.value])

        let retry = PendingClaim(fingerprint: RedisStoreTests.fingerprint("a"))
        #expect(try await fixture.store.claim(key, retry, lease: .seconds(5), ttl: RedisStoreTests.ttl) == .completed(RedisStoreTests.snapshot))
        guard case .integer(let ttl) = try await fixture.client.command(["PTTL", key.value]) else {
            Issue.record("PTTL did not answer an integer")
            return
        }
        #expect(ttl > 55_000 && ttl <= 60_000)
    }
}
