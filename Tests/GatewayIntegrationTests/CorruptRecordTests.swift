import Foundation
import Testing

/// A record in Redis that does not decode is `500 record-corrupt`, logged
/// with the key hash and counted, never `503 store-unavailable`, and never
/// forwarded; one written without a TTL gets one instead of holding its key
/// for good.
@Suite(.serialized)
struct CorruptRecordTests {
    /// Executes `key` once on `refunds` and returns its record key in Redis.
    private func storedRecord(_ f: GatewayFixture, key: String) async throws -> String {
        let first = try await f.post("/v1/refunds", key: key)
        #expect(first.status == 201)
        return try #require(try await f.redisKeys().first)
    }

    @Test func garbageUnderTheKeyIsA500RecordCorrupt() async throws {
        // Without the replay cache: the garbage is written behind the
        // gateway's back, and this proves what a read from Redis does.
        let f = try await GatewayFixture(replayCache: "0s")
        let record = try await storedRecord(f, key: "corrupt-1")
        let client = f.redisClient()
        defer { client.shutdown() }
        #expect(try await client.command(["SET", record, "\u{1}not a record", "KEEPTTL"]) == .status("OK"))

        for _ in 0..<2 {
            let retry = try await f.post("/v1/refunds", key: "corrupt-1")
            #expect(retry.status == 500)
            #expect(retry.header("Content-Type") == "application/problem+json")
            #expect(retry.header("Retry-After") == nil)
            #expect(retry.text.contains("tag:idempotency-gateway,2026:record-corrupt"))
            #expect(retry.header("Idempotent-Replayed") == nil)
        }
        #expect(f.ledger.executions(key: "corrupt-1") == 1)
        // Left for an operator to look at: the gateway neither deletes nor overwrites it.
        #expect(try await client.command(["GET", record]) == .bulk(Array("\u{1}not a record".utf8)))

        let digest = try #require(record.split(separator: "{").last?.dropLast())
        await f.gateway.waitForLog(containing: "idempotency record corrupt")
        let lines = f.gateway.log.split(separator: "\n").filter { $0.contains("idempotency record corrupt") }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains("key.hash=\(digest)") })
        #expect(!f.gateway.log.contains("store operation failed"))
        let metrics = try await f.metrics()
        #expect(metrics.value("idempotency_record_corrupt_total", ["route": "refunds"]) == 2)
        #expect(metrics.value("idempotency_requests_total", ["route": "refunds", "outcome": "record_corrupt"]) == 2)
        #expect(metrics.value("idempotency_requests_total", ["route": "refunds", "outcome": "store_unavailable"]) == 0)
        #expect(metrics.value("store_errors_total", ["operation": "claim"]) == 0)
        await f.shutdown()
    }

    @Test func garbageWithoutATTLIsGivenOne() async throws {
        // Without the replay cache: the garbage is written behind the
        // gateway's back, and this proves what a read from Redis does.
        let f = try await GatewayFixture(replayCache: "0s")
        let record = try await storedRecord(f, key: "corrupt-2")
        let client = f.redisClient()
        defer { client.shutdown() }
        #expect(try await client.command(["SET", record, "garbage"]) == .status("OK"))
        #expect(try await f.redisPTTL(record) == -1)

        let retry = try await f.post("/v1/refunds", key: "corrupt-2")
        #expect(retry.status == 500)
        let ttl = try await f.redisPTTL(record)
        // The refunds route's ttl (24h): unreadable bytes may have been a
        // completed record, so they hold the key as long as one would.
        #expect(ttl > 86_000_000 && ttl <= 86_400_000)
        await f.shutdown()
    }
}
