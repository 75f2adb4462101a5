import Testing

/// Many clients, one key, one execution: on one gateway and across two
/// gateway processes sharing a Redis.
@Suite(.serialized)
struct ConcurrencyTests {
    /// Sends `count` copies of one keyed POST at once, spread over `ports`.
    static func storm(ports: [Int], path: String, key: String, count: Int, delayMs: Int) async throws -> [TestResponse] {
        try await withThrowingTaskGroup(of: TestResponse.self) { group in
            for index in 0..<count {
                let port = ports[index % ports.count]
                group.addTask {
                    try await TestHTTPClient.send(
                        port: port, method: "POST", path: path,
                        headers: [("Idempotency-Key", key), ("X-Upstream-Delay-Ms", String(delayMs)), ("Content-Type", "application/json")],
                        body: Array(#"{"amount":7}"#.utf8))
                }
            }
            var responses: [TestResponse] = []
            for try await response in group { responses.append(response) }
            return responses
        }
    }

    @Test func concurrentDuplicatesExecuteOnceAndOthersGetConflict() async throws {
        let f = try await GatewayFixture()
        let responses = try await Self.storm(ports: [f.port], path: "/v1/refunds", key: "race-1", count: 64, delayMs: 300)
        #expect(f.ledger.executions(key: "race-1") == 1)
        let winners = responses.filter { $0.status == 201 }
        let conflicts = responses.filter { $0.status == 409 }
        #expect(winners.count >= 1)
        #expect(winners.count + conflicts.count == 64)
        #expect(Set(winners.map(\.body)).count == 1)
        for conflict in conflicts {
            // The lease left, rounded up: lock_ttl is 3 s, renewed every
            // second, so a duplicate during the 300 ms call is told 3 s (less
            // only on a machine so busy that renewal runs late).
            #expect(["1", "2", "3"].contains(conflict.header("Retry-After")))
            #expect(conflict.header("Content-Type") == "application/problem+json")
        }
        #expect(conflicts.isEmpty || conflicts.contains { $0.header("Retry-After") == "3" })
        await f.shutdown()
    }

    @Test func concurrentDuplicatesInWaitModeAllGetTheBody() async throws {
        let f = try await GatewayFixture()
        let responses = try await Self.storm(ports: [f.port], path: "/v1/waiting", key: "race-wait", count: 64, delayMs: 300)
        #expect(f.ledger.executions(key: "race-wait") == 1)
        #expect(responses.allSatisfy { $0.status == 201 })
        #expect(Set(responses.map(\.body)).count == 1)
        #expect(responses.filter { $0.header("Idempotent-Replayed") == "true" }.count == 63)
        await f.shutdown()
    }

    @Test func twoGatewaysSharingRedisExecuteOnce() async throws {
        let f = try await GatewayFixture()
        let second = try await GatewayProcess(yaml: GatewayFixture.yaml(
            store: GatewayFixture.redisStore(port: f.redis.port), upstreamPort: f.upstream.port, routes: GatewayFixture.defaultRoutes))
        for round in 0..<5 {
            let key = "shared-\(round)"
            let responses = try await Self.storm(ports: [f.port, second.port], path: "/v1/refunds", key: key, count: 32, delayMs: 200)
            #expect(f.ledger.executions(key: key) == 1)
            #expect(responses.allSatisfy { $0.status == 201 || $0.status == 409 })
        }
        let replay = try await TestHTTPClient.send(port: second.port, path: "/v1/refunds",
                                                   headers: [("Idempotency-Key", "shared-0"), ("Content-Type", "application/json")],
                                                   body: Array(#"{"amount":7}"#.utf8))
        #expect(replay.header("Idempotent-Replayed") == "true")
        await second.kill9()
        await f.shutdown()
    }
}
