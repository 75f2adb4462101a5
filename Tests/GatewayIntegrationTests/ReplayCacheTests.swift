import Foundation
import Testing

/// `store.redis.replay_cache`: a completed record this gateway wrote or read
/// answers retries from memory for a while, with no Redis round trip, never
/// past the record's own TTL (`ReplayTests.expiredSnapshotExecutesAgain`),
/// and never after a purge through this gateway.
@Suite(.serialized)
struct ReplayCacheTests {
    private static let charge = [("Authorization", "Bearer alice"), ("X-Account", "a")]

    @Test func retriesWithinTheWindowCostRedisNothing() async throws {
        let f = try await GatewayFixture(replayCache: "5s")
        let first = try await f.post("/v1/charges", key: "cache-1", headers: Self.charge)
        #expect(first.status == 201)
        try await f.resetRedisCommandCounts()
        var replays: [TestResponse] = []
        for _ in 0..<5 { replays.append(try await f.post("/v1/charges", key: "cache-1", headers: Self.charge)) }
        let mismatch = try await f.post("/v1/charges", key: "cache-1", body: #"{"amount":999}"#, headers: Self.charge)
        let commands = try await f.redisCommandCounts()

        for replay in replays {
            #expect(replay.status == 201)
            #expect(replay.header("Idempotent-Replayed") == "true")
            #expect(replay.body == first.body)
        }
        #expect(mismatch.status == 422)
        #expect(f.ledger.executions(key: "cache-1") == 1)
        // No read of the record reached Redis: no GET, PTTL or script.
        for command in ["get", "pttl", "evalsha", "eval"] { #expect(commands[command] == nil, "\(command): \(commands)") }

        // Another tenant's retry of the same key is its own key: executed.
        let bob = try await f.post("/v1/charges", key: "cache-1", headers: [("Authorization", "Bearer bob"), ("X-Account", "a")])
        #expect(bob.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "cache-1") == 2)
        await f.shutdown()
    }

    /// Past the window, one read refills the cache; the replay it serves
    /// is the one Redis holds, byte for byte.
    @Test func pastTheWindowOneReadRefillsIt() async throws {
        let f = try await GatewayFixture(replayCache: "300ms")
        let first = try await f.post("/v1/refunds", key: "cache-2")
        let cached = try await f.post("/v1/refunds", key: "cache-2")
        try await Task.sleep(for: .milliseconds(400))
        try await f.resetRedisCommandCounts()
        var replays: [TestResponse] = []
        for _ in 0..<4 { replays.append(try await f.post("/v1/refunds", key: "cache-2")) }
        let commands = try await f.redisCommandCounts()

        #expect(first.status == 201)
        #expect(commands["get"] == 1, "\(commands)")
        #expect(commands["evalsha"] == nil, "\(commands)")
        for replay in replays + [cached] {
            #expect(replay.header("Idempotent-Replayed") == "true")
            #expect(replay.status == first.status)
            #expect(replay.body == first.body)
            #expect(replay.headers(named: "Content-Type") == first.headers(named: "Content-Type"))
        }
        #expect(f.ledger.executions(key: "cache-2") == 1)
        await f.shutdown()
    }

    @Test func aPurgeThroughThisGatewayTakesEffectAtOnce() async throws {
        let f = try await GatewayFixture(adminToken: GatewayFixture.adminToken, replayCache: "10s")
        #expect(try await f.post("/v1/refunds", key: "cache-4").status == 201)
        #expect(try await f.post("/v1/refunds", key: "cache-4").header("Idempotent-Replayed") == "true")
        #expect(try await f.keys("DELETE", "/keys/refunds/cache-4").status == 204)
        let again = try await f.post("/v1/refunds", key: "cache-4")
        #expect(again.status == 201)
        #expect(again.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "cache-4") == 2)
        await f.shutdown()
    }

    /// `replay_cache: 0s` turns it off: every retry reads Redis.
    @Test func zeroTurnsItOff() async throws {
        let f = try await GatewayFixture(replayCache: "0s")
        #expect(try await f.post("/v1/refunds", key: "cache-5").status == 201)
        try await f.resetRedisCommandCounts()
        for _ in 0..<3 { #expect(try await f.post("/v1/refunds", key: "cache-5").header("Idempotent-Replayed") == "true") }
        let commands = try await f.redisCommandCounts()
        #expect((commands["get"] ?? 0) + (commands["evalsha"] ?? 0) == 3, "\(commands)")
        await f.shutdown()
    }
}
