import ExampleUpstream
import Foundation
import Testing

/// What the store's own configuration means for the promise: snapshots
/// survive a Redis restart with AOF on, and an eviction policy that can drop
/// them is reported loudly.
@Suite(.serialized)
struct StoreHealthTests {
    static let routes = """
        routes:
          - name: orders
            match: { path_prefix: /v1/orders }
            upstream: main
            idempotency: { lock_ttl: 3s }
        """

    static func post(_ port: Int, key: String) async throws -> TestResponse {
        try await TestHTTPClient.send(port: port, path: "/v1/orders",
                                      headers: [("Idempotency-Key", key), ("Content-Type", "application/json")],
                                      body: Array(#"{"amount":1}"#.utf8))
    }

    @Test func snapshotsSurviveARedisRestartWithAOF() async throws {
        let redis = try await RedisServerProcess.start(extraArguments: ["--appendonly", "yes", "--appendfsync", "always"])
        let upstream = try await ExampleUpstreamServer.start()
        let gateway = try await GatewayProcess(yaml: GatewayFixture.yaml(store: GatewayFixture.redisStore(port: redis.port),
                                                                         upstreamPort: upstream.port, routes: Self.routes))
        let first = try await Self.post(gateway.port, key: "aof-1")
        #expect(first.status == 201)

        redis.stop()   // SIGKILL: only what the append-only file holds comes back
        try await redis.start()
        var replay: TestResponse?
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let attempt = try await Self.post(gateway.port, key: "aof-1")
            if attempt.status != 503 {
                replay = attempt
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let answer = try #require(replay)
        #expect(answer.status == 201)
        #expect(answer.header("Idempotent-Replayed") == "true")
        #expect(answer.body == first.body)
        #expect(upstream.ledger.executions(key: "aof-1") == 1)
        await gateway.kill9()
        await upstream.stop()
        redis.stop()
    }

    @Test func anEvictingPolicyIsReportedAtStartAndOnReadyz() async throws {
        let redis = try await RedisServerProcess.start(extraArguments: ["--maxmemory-policy", "allkeys-lru"])
        let upstream = try await ExampleUpstreamServer.start()
        let gateway = try await GatewayProcess(yaml: GatewayFixture.yaml(store: GatewayFixture.redisStore(port: redis.port),
                                                                         upstreamPort: upstream.port, routes: Self.routes))
        let ready = try await TestHTTPClient.send(port: gateway.adminPort, method: "GET", path: "/readyz")
        #expect(ready.status == 200)
        #expect(ready.text.contains("warning:"))
        #expect(ready.text.contains("maxmemory-policy allkeys-lru"))
        #expect(ready.text.contains("noeviction"))
        let deadline = ContinuousClock.now + .seconds(5)
        while !gateway.log.contains("Redis can evict idempotency records"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(gateway.log.contains("Redis can evict idempotency records"))

        // The recommended policy: no warning.
        let quiet = try await GatewayFixture()
        let calm = try await quiet.admin("/readyz")
        #expect(calm.status == 200)
        #expect(calm.text == "ready\n")
        #expect(!quiet.gateway.log.contains("Redis can evict"))
        await quiet.shutdown()
        await gateway.kill9()
        await upstream.stop()
        redis.stop()
    }
}
