import Foundation
import Testing

/// Upstream failures release the key; a dead Redis refuses safely and is
/// recovered from without a restart; a crashed gateway's claim ends with its
/// lease.
@Suite(.serialized)
struct FailureTests {
    @Test func connectFailureGives502AndReleasesTheKey() async throws {
        let f = try await GatewayFixture()
        let response = try await f.post("/v1/ghost", key: "ghost-1")
        #expect(response.status == 502)
        #expect(response.header("Content-Type") == "application/problem+json")
        let keys = try await f.redisKeys()
        #expect(keys.isEmpty)
        let retry = try await f.post("/v1/ghost", key: "ghost-1")
        #expect(retry.status == 502)
        #expect(retry.header("Idempotent-Replayed") == nil)
        await f.shutdown()
    }

    @Test func upstreamTimeoutGives504AndReleasesTheKey() async throws {
        let f = try await GatewayFixture()
        let slow = try await f.post("/v1/slow", key: "slow-1", headers: [("X-Upstream-Delay-Ms", "1500")])
        #expect(slow.status == 504)
        #expect(slow.header("Content-Type") == "application/problem+json")
        #expect(f.ledger.executions(key: "slow-1") == 1)
        let keys = try await f.redisKeys()
        #expect(keys.isEmpty)
        let retry = try await f.post("/v1/slow", key: "slow-1")
        #expect(retry.status == 201)
        #expect(f.ledger.executions(key: "slow-1") == 2)
        await f.shutdown()
    }

    @Test func redisDownRejectsWithoutForwardingAndRecovers() async throws {
        let f = try await GatewayFixture()
        let before = try await f.post("/v1/refunds", key: "r-before")
        #expect(before.status == 201)
        f.redis.stop()
        let down = try await f.post("/v1/refunds", key: "r-down")
        #expect(down.status == 503)
        #expect(down.header("Retry-After") == "1")
        #expect(down.header("Content-Type") == "application/problem+json")
        #expect(f.ledger.executions(key: "r-down") == 0)
        // Unkeyed traffic does not need the store.
        let unkeyed = try await f.post("/v1/refunds", key: nil)
        #expect(unkeyed.status == 201)

        try await f.redis.start()
        var recovered: TestResponse?
        for _ in 0..<50 {
            let attempt = try await f.post("/v1/refunds", key: "r-down")
            if attempt.status == 201 {
                recovered = attempt
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(recovered?.status == 201)
        #expect(f.ledger.executions(key: "r-down") == 1)
        await f.shutdown()
    }

    @Test func killedGatewayLeavesKeyLockedOnlyUntilItsLease() async throws {
        let f = try await GatewayFixture()
        // The first gateway takes the claim and dies before the upstream answers.
        let port = f.port
        let inFlight = Task {
            try? await TestHTTPClient.send(port: port, path: "/v1/refunds",
                                           headers: [("Idempotency-Key", "crash-1"), ("X-Upstream-Delay-Ms", "1000")],
                                           body: Array(#"{"amount":100}"#.utf8))
        }
        for _ in 0..<100 where f.ledger.executions(key: "crash-1") == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(f.ledger.executions(key: "crash-1") == 1)
        let killedAt = ContinuousClock.now
        await f.gateway.kill9()
        _ = await inFlight.value

        let second = try await GatewayProcess(yaml: GatewayFixture.yaml(
            store: GatewayFixture.redisStore(port: f.redis.port), upstreamPort: f.upstream.port, routes: GatewayFixture.defaultRoutes))
        let locked = try await TestHTTPClient.send(port: second.port, path: "/v1/refunds", headers: [("Idempotency-Key", "crash-1")],
                                                   body: Array(#"{"amount":100}"#.utf8))
        #expect(locked.status == 409)
        #expect(locked.header("Retry-After") != nil)
        #expect(f.ledger.executions(key: "crash-1") == 1)

        // lock_ttl is 3s on this route: after it, the retry executes.
        var executed: TestResponse?
        while ContinuousClock.now - killedAt < .seconds(6) {
            let attempt = try await TestHTTPClient.send(port: second.port, path: "/v1/refunds", headers: [("Idempotency-Key", "crash-1")],
                                                        body: Array(#"{"amount":100}"#.utf8))
            if attempt.status == 201 {
                executed = attempt
                break
            }
            #expect(attempt.status == 409)
            try await Task.sleep(for: .milliseconds(200))
        }
        let elapsed = ContinuousClock.now - killedAt
        #expect(executed != nil)
        #expect(elapsed >= .milliseconds(1500), "the lease ended too early: \(elapsed)")
        #expect(f.ledger.executions(key: "crash-1") == 2)
        await second.kill9()
        await f.shutdown()
    }
}
