import Testing

/// Completed requests are replayed from Redis, byte for byte, and the
/// upstream runs once.
@Suite(.serialized)
struct ReplayTests {
    @Test func replayIsByteIdenticalAndMarked() async throws {
        let f = try await GatewayFixture()
        let first = try await f.post("/v1/refunds", key: "replay-1")
        #expect(first.status == 201)
        #expect(first.header("Idempotent-Replayed") == nil)
        let second = try await f.post("/v1/refunds", key: "replay-1")
        #expect(second.status == 201)
        #expect(second.body == first.body)
        #expect(second.header("Idempotent-Replayed") == "true")
        #expect(second.header("Content-Type") == first.header("Content-Type"))
        #expect(second.headers(named: "X-Multi") == ["a", "b"])
        #expect(second.header("X-Upstream-Execution") == first.header("X-Upstream-Execution"))
        #expect(f.ledger.executions(key: "replay-1") == 1)
        await f.shutdown()
    }

    @Test func hundredSequentialRetriesExecuteOnce() async throws {
        let f = try await GatewayFixture()
        let first = try await f.post("/v1/refunds", key: "seq-100")
        for _ in 0..<100 {
            let retry = try await f.post("/v1/refunds", key: "seq-100")
            #expect(retry.status == 201)
            #expect(retry.body == first.body)
        }
        #expect(f.ledger.executions(key: "seq-100") == 1)
        await f.shutdown()
    }

    @Test func serverErrorsAreNotStoredButClientErrorsAre() async throws {
        let f = try await GatewayFixture()
        let failing = try await f.post("/v1/refunds", key: "k-500", headers: [("X-Upstream-Status", "500")])
        #expect(failing.status == 500)
        let retried = try await f.post("/v1/refunds", key: "k-500", headers: [("X-Upstream-Status", "500")])
        #expect(retried.status == 500)
        #expect(retried.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "k-500") == 2)

        let rejected = try await f.post("/v1/refunds", key: "k-404", headers: [("X-Upstream-Status", "404")])
        #expect(rejected.status == 404)
        let replayed = try await f.post("/v1/refunds", key: "k-404", headers: [("X-Upstream-Status", "404")])
        #expect(replayed.status == 404)
        #expect(replayed.header("Idempotent-Replayed") == "true")
        #expect(f.ledger.executions(key: "k-404") == 1)

        let limited = try await f.post("/v1/refunds", key: "k-429", headers: [("X-Upstream-Status", "429")])
        #expect(limited.status == 429)
        _ = try await f.post("/v1/refunds", key: "k-429", headers: [("X-Upstream-Status", "429")])
        #expect(f.ledger.executions(key: "k-429") == 2)
        await f.shutdown()
    }

    /// `brief` keeps records for 1s. With the shipped replay cache (nil: 1s)
    /// and with a window far longer than that (10s), no cached record
    /// replays past its TTL.
    @Test(arguments: [nil, "10s"])
    func expiredSnapshotExecutesAgain(replayCache: String?) async throws {
        let f = try await GatewayFixture(replayCache: replayCache)
        _ = try await f.post("/v1/brief", key: "ttl-1")
        let replay = try await f.post("/v1/brief", key: "ttl-1")
        #expect(replay.header("Idempotent-Replayed") == "true")
        #expect(f.ledger.executions(key: "ttl-1") == 1)
        try await Task.sleep(for: .milliseconds(1300))
        let again = try await f.post("/v1/brief", key: "ttl-1")
        #expect(again.status == 201)
        #expect(again.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "ttl-1") == 2)
        await f.shutdown()
    }

    @Test func largeResponseReplaysIntact() async throws {
        let f = try await GatewayFixture()
        let size = 300_000
        let first = try await f.post("/v1/refunds", key: "big-1", headers: [("X-Upstream-Body-Size", String(size))])
        #expect(first.status == 201)
        #expect(first.body.count == size)
        let replay = try await f.post("/v1/refunds", key: "big-1", headers: [("X-Upstream-Body-Size", String(size))])
        #expect(replay.header("Idempotent-Replayed") == "true")
        #expect(replay.body.count == size)
        #expect(replay.body == first.body)
        #expect(f.ledger.executions(key: "big-1") == 1)
        await f.shutdown()
    }

    @Test func responseOverStoredLimitIsNotExecutedAgain() async throws {
        let f = try await GatewayFixture()
        let size = 600_000  // over the fixture's 512KiB max_stored_body
        let first = try await f.post("/v1/refunds", key: "huge-1", headers: [("X-Upstream-Body-Size", String(size))])
        #expect(first.status == 201)
        #expect(first.body.count == size)
        let retry = try await f.post("/v1/refunds", key: "huge-1", headers: [("X-Upstream-Body-Size", String(size))])
        #expect(retry.status == 410)
        #expect(retry.header("Content-Type") == "application/problem+json")
        #expect(retry.header("Idempotent-Replayed") == "true")
        #expect(retry.text.contains("\"original_status\":201"))
        #expect(f.ledger.executions(key: "huge-1") == 1)
        await f.shutdown()
    }
}
