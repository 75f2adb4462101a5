import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Leases over real Redis and real gateway processes: renewal keeps a slow
/// call's key, and a gateway paused past its lease (SIGSTOP) cannot
/// overwrite the record of the claim that replaced it.
@Suite(.serialized)
struct LeaseTests {
    /// A 1 s lease in front of an upstream allowed 10 s: renewal, not the
    /// lease, is what keeps a slow call's key.
    static let routes = """
        routes:
          - name: long
            match: { path_prefix: /v1/long }
            upstream: patient
            idempotency: { lock_ttl: 1s }
        """

    static func send(port: Int, key: String, delayMs: Int = 0) async throws -> TestResponse {
        try await TestHTTPClient.send(port: port, path: "/v1/long",
                                      headers: [("Idempotency-Key", key), ("X-Upstream-Delay-Ms", String(delayMs)),
                                                ("Content-Type", "application/json")],
                                      body: Array(#"{"amount":3}"#.utf8))
    }

    static func fences(_ f: GatewayFixture, key: String) -> [String] {
        f.ledger.requests.filter { $0.header("Idempotency-Key") == key }.compactMap { $0.header("Idempotency-Fence") }
    }

    @Test func renewalKeepsACallOfThreeLeasesOwned() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: GatewayFixture.patientUpstream)
        let started = ContinuousClock.now
        let port = f.port
        let original = Task { try await Self.send(port: port, key: "slow-1", delayMs: 3000) }
        while f.ledger.executions(key: "slow-1") == 0 { try await Task.sleep(for: .milliseconds(10)) }

        // Duplicates all through the call, most of them long after the first
        // 1 s lease would have ended without renewal.
        var duplicates: [TestResponse] = []
        while ContinuousClock.now - started < .milliseconds(2700) {
            duplicates.append(try await Self.send(port: f.port, key: "slow-1"))
            try await Task.sleep(for: .milliseconds(250))
        }
        let response = try await original.value
        #expect(response.status == 201)
        #expect(ContinuousClock.now - started >= .seconds(3))
        #expect(duplicates.count >= 8)
        for duplicate in duplicates {
            #expect(duplicate.status == 409)
            #expect(duplicate.header("Retry-After") == "1")
        }
        #expect(f.ledger.executions(key: "slow-1") == 1)
        #expect(Self.fences(f, key: "slow-1") == ["1"])

        let replay = try await Self.send(port: f.port, key: "slow-1")
        #expect(replay.status == 201)
        #expect(replay.header("Idempotent-Replayed") == "true")
        #expect(replay.body == response.body)
        #expect(f.ledger.executions(key: "slow-1") == 1)
        let metrics = try await f.metrics()
        #expect(metrics.value("idempotency_lease_lost_total", ["route": "long"]) == 0)
        #expect((metrics.value("store_operation_duration_seconds_count", ["operation": "renew"]) ?? 0) >= 6)
        await f.shutdown()
    }

    @Test func aGatewayPausedPastItsLeaseDoesNotOverwriteTheNextOwner() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: GatewayFixture.patientUpstream)
        let other = try await GatewayProcess(yaml: GatewayFixture.yaml(
            store: GatewayFixture.redisStore(port: f.redis.port), upstreamPort: f.upstream.port, routes: Self.routes,
            extraUpstreams: GatewayFixture.patientUpstream(port: f.upstream.port)))

        let pausedPort = f.port
        let stale = Task { try await Self.send(port: pausedPort, key: "pause-1", delayMs: 2500) }
        while f.ledger.executions(key: "pause-1") == 0 { try await Task.sleep(for: .milliseconds(10)) }
        f.gateway.signal(SIGSTOP)
        let stoppedAt = ContinuousClock.now

        // The paused gateway stops renewing; once its lease ends, the other
        // gateway claims the key with the next fence and executes.
        var next: TestResponse?
        while ContinuousClock.now - stoppedAt < .seconds(5) {
            let attempt = try await Self.send(port: other.port, key: "pause-1")
            if attempt.status != 409 {
                next = attempt
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let nextResponse = try #require(next)
        #expect(nextResponse.status == 201)
        #expect(nextResponse.header("Idempotent-Replayed") == nil)

        f.gateway.signal(SIGCONT)
        let staleResponse = try await stale.value
        // The paused request's client still gets what its execution answered.
        #expect(staleResponse.status == 201)
        #expect(staleResponse.body != nextResponse.body)
        #expect(Self.fences(f, key: "pause-1") == ["1", "2"])
        #expect(f.ledger.executions(key: "pause-1") == 2)

        // The record is the second execution's, from either gateway.
        for port in [f.port, other.port] {
            let replay = try await Self.send(port: port, key: "pause-1")
            #expect(replay.header("Idempotent-Replayed") == "true")
            #expect(replay.body == nextResponse.body)
        }
        let metrics = try await f.metrics()
        #expect(metrics.value("idempotency_lease_lost_total", ["route": "long"]) == 1)
        #expect(f.gateway.log.contains("idempotency lease lost"))
        // No key without a TTL, the fencing counter included.
        let keys = try await f.redisKeys(includingFences: true)
        #expect(keys.count == 2)
        #expect(keys.contains { $0.hasSuffix(":fence") })
        for key in keys {
            #expect(try await f.redisPTTL(key) > 0, "\(key) has no TTL")
        }
        await other.kill9()
        await f.shutdown()
    }
}
