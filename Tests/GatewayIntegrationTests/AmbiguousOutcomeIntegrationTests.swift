import Foundation
import Testing

/// `on_ambiguous` against real Redis, the real upstream and the gateway
/// binary: an upstream that got the request and then timed out or closed
/// without answering is held (the retry replays `502 outcome-unknown`, the
/// upstream ran once) or released (the retry runs again, larger fence).
@Suite(.serialized)
struct AmbiguousOutcomeIntegrationTests {
    /// `impatient` times out after 500 ms.
    static let routes = """
        routes:
          - name: held
            match: { path_prefix: /v1/held }
            upstream: impatient
            idempotency: { on_ambiguous: hold, lock_ttl: 3s, ttl: 1h }
          - name: released
            match: { path_prefix: /v1/released }
            upstream: impatient
            idempotency: { on_ambiguous: release, lock_ttl: 3s }
          - name: ghost
            match: { path_prefix: /v1/ghost }
            upstream: nowhere
            idempotency: { on_ambiguous: hold, lock_ttl: 3s }
        """

    private func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test(arguments: [("X-Upstream-Delay-Ms", "1500", "timeout"), ("X-Upstream-Close", "1", "protocol_error")])
    func heldOutcomeIsReplayedAndTheUpstreamRunsOnce(header: String, value: String, cause: String) async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        let key = "held-\(cause)"
        let first = try await f.post("/v1/held", key: key, headers: [(header, value)])
        #expect(first.status == 502)
        #expect(first.header("Content-Type") == "application/problem+json")
        #expect(first.header("Idempotent-Replayed") == nil)
        #expect(try json(first)["type"] as? String == "tag:idempotency-gateway,2026:outcome-unknown")
        #expect(try json(first)["cause"] as? String == cause)

        // The retry would succeed now (no fault header): it must not run.
        for _ in 0..<2 {
            let retry = try await f.post("/v1/held", key: key)
            #expect(retry.status == 502)
            #expect(retry.header("Idempotent-Replayed") == "true")
            #expect(retry.body == first.body)
        }
        #expect(f.ledger.executions(key: key) == 1)

        let records = try await f.redisKeys()
        #expect(records.count == 1)
        if let record = records.first {
            let client = f.redisClient()
            defer { client.shutdown() }
            guard case .bulk(let bytes) = try await client.command(["GET", record]) else {
                Issue.record("no record under \(record)")
                return
            }
            #expect(bytes.first == UInt8(ascii: "C"))  // completed, not pending
            let ttl = try await f.redisPTTL(record)
            #expect(ttl > 3_000 && ttl <= 3_600_000)   // the route's ttl, not the lease
        }
        let metrics = try await f.metrics()
        #expect(metrics.value("idempotency_ambiguous_total", ["route": "held", "cause": cause]) == 1)
        await f.gateway.waitForLog(containing: "upstream outcome unknown")
        #expect(f.gateway.log.contains("upstream outcome unknown"))
        await f.shutdown()
    }

    @Test func releasedOutcomeLetsTheRetryRunWithALargerFence() async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        let first = try await f.post("/v1/released", key: "released-1", headers: [("X-Upstream-Delay-Ms", "1500")])
        #expect(first.status == 504)
        #expect(try json(first)["type"] as? String == "tag:idempotency-gateway,2026:upstream-timeout")
        #expect(try await f.redisKeys().isEmpty)

        let retry = try await f.post("/v1/released", key: "released-1")
        #expect(retry.status == 201)
        #expect(retry.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "released-1") == 2)
        let fences = f.ledger.requests.filter { $0.header("Idempotency-Key") == "released-1" }.map { $0.header("Idempotency-Fence") }
        #expect(fences == ["1", "2"])
        let metrics = try await f.metrics()
        #expect(metrics.value("idempotency_ambiguous_total", ["route": "released", "cause": "timeout"]) == 1)
        #expect(metrics.value("idempotency_ambiguous_total", ["route": "held", "cause": "timeout"]) == 0)
        await f.shutdown()
    }

    @Test func aRefusedConnectionIsNeverHeld() async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        let first = try await f.post("/v1/ghost", key: "ghost-1")
        #expect(first.status == 502)
        #expect(try json(first)["type"] as? String == "tag:idempotency-gateway,2026:upstream-unreachable")
        #expect(try await f.redisKeys().isEmpty)
        let retry = try await f.post("/v1/ghost", key: "ghost-1")
        #expect(retry.header("Idempotent-Replayed") == nil)
        await f.shutdown()
    }
}
