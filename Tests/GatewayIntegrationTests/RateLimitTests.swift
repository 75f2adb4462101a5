import Testing

/// `rate_limit` end to end: budgets counted in one Redis by GCRA, so gateways
/// that share it enforce one limit; only requests that would execute spend.
@Suite(.serialized)
struct RateLimitTests {
    /// The route `send` posts to, `requests` per minute per Authorization;
    /// `ClusterRateLimitTests` runs it alone over a cluster.
    static func limited(requests: Int) -> String {
        """
        routes:
          - name: limited
            match: { path_prefix: /v1/limited }
            upstream: main
            idempotency: { lock_ttl: 3s }
            rate_limit: { requests: \(requests), per: 60s, by: [Authorization] }
        """
    }

    /// 5 per minute: one request per 12 s, so a test's few seconds never
    /// refill the budget and every count is exact.
    static let routes = limited(requests: 5) + "\n" + """
          - name: everything
            match: { path_prefix: /v1/everything }
            upstream: main
            rate_limit: { requests: 2, per: 60s, by: [Authorization], count: all }
          - name: plain
            match: { path_prefix: / }
            upstream: main
        """

    static func send(port: Int, key: String?, who: String = "Bearer alice", path: String = "/v1/limited") async throws -> TestResponse {
        var headers = [("Authorization", who), ("Content-Type", "application/json")]
        if let key { headers.append(("Idempotency-Key", key)) }
        return try await TestHTTPClient.send(port: port, method: "POST", path: path, headers: headers, body: Array("{}".utf8))
    }

    @Test func twoGatewaysSharingALimitForwardExactlyN() async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        let second = try await GatewayProcess(yaml: GatewayFixture.yaml(
            store: GatewayFixture.redisStore(port: f.redis.port), upstreamPort: f.upstream.port, routes: Self.routes))
        let ports = [f.port, second.port]
        let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
            for index in 0..<10 {
                group.addTask { try await Self.send(port: ports[index % 2], key: "fresh-\(index)") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(f.ledger.totalExecutions == 5)
        #expect(responses.filter { $0.status == 201 }.count == 5)
        let refused = responses.filter { $0.status == 429 }
        #expect(refused.count == 5)
        for response in refused {
            // The next request is allowed one interval (12 s) after the burst, rounded up.
            #expect(["11", "12"].contains(response.header("Retry-After")))
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(response.text.contains("tag:idempotency-gateway,2026:rate-limited"))
        }
        // Refused requests claimed nothing: only the 5 executed keys have records.
        #expect(try await f.redisKeys().filter { $0.hasPrefix("idem:limited:") }.count == 5)
        let budgets = try await f.redisKeys().filter { $0.hasPrefix("idem:rate:limited:") }
        #expect(budgets.count == 1)
        let ttl = try await f.redisPTTL(budgets[0])
        #expect(ttl > 0 && ttl <= 60_000)
        let counted = try await f.metrics().value("rate_limited_total", ["route": "limited"]) ?? 0
        let counted2 = PrometheusText(try await TestHTTPClient.send(port: second.adminPort, method: "GET", path: "/metrics").text)
            .value("rate_limited_total", ["route": "limited"]) ?? 0
        #expect(counted + counted2 == 5)
        await second.kill9()
        await f.shutdown()
    }

    @Test func replaysAreNotCountedAndAreServedPastTheLimit() async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        #expect(try await Self.send(port: f.port, key: "first").status == 201)
        for _ in 0..<6 {
            let replay = try await Self.send(port: f.port, key: "first")
            #expect(replay.status == 201)
            #expect(replay.header("Idempotent-Replayed") == "true")
        }
        for index in 0..<4 { #expect(try await Self.send(port: f.port, key: "more-\(index)").status == 201) }
        #expect(try await Self.send(port: f.port, key: "one-too-many").status == 429)
        #expect(try await Self.send(port: f.port, key: "first").header("Idempotent-Replayed") == "true")
        // Unkeyed requests on a `count: keyed` route spend nothing.
        #expect(try await Self.send(port: f.port, key: nil).status == 201)
        #expect(f.ledger.totalExecutions == 6)
        await f.shutdown()
    }

    @Test func principalsHaveSeparateBudgetsAndCountAllCountsUnkeyedRequests() async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        for _ in 0..<2 {
            #expect(try await Self.send(port: f.port, key: nil, path: "/v1/everything").status == 201)
        }
        let refused = try await Self.send(port: f.port, key: nil, path: "/v1/everything")
        #expect(refused.status == 429)
        #expect(["29", "30"].contains(refused.header("Retry-After")))
        #expect(try await Self.send(port: f.port, key: "k", path: "/v1/everything").status == 429)
        #expect(try await Self.send(port: f.port, key: nil, who: "Bearer bob", path: "/v1/everything").status == 201)
        // Without the header: one more principal, its own budget.
        let anonymous = try await TestHTTPClient.send(port: f.port, method: "GET", path: "/v1/everything")
        #expect(anonymous.status == 201)
        #expect(f.ledger.totalExecutions == 4)
        await f.shutdown()
    }

    /// The perf issue counts round trips: on one Redis server the budget is
    /// spent inside the claim script, so a first execution is still one
    /// EVALSHA to claim and one to complete, and a replay none.
    @Test func aFirstExecutionCostsNoExtraRoundTrip() async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        try await f.resetRedisCommandCounts()
        for index in 0..<3 { #expect(try await Self.send(port: f.port, key: "rt-\(index)").status == 201) }
        #expect(try await Self.send(port: f.port, key: "rt-0").header("Idempotent-Replayed") == "true")
        let counts = try await f.redisCommandCounts()
        func calls(_ command: String) -> Int { counts[command] ?? 0 }
        #expect(calls("evalsha") == 6)
        #expect(calls("eval") == 0)
        #expect(calls("time") == 3)
        await f.shutdown()
    }

    @Test func aStoreThatIsDownFollowsOnUnavailable() async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        let tolerant = try await GatewayProcess(yaml: GatewayFixture.yaml(
            store: GatewayFixture.redisStore(port: f.redis.port, onUnavailable: "pass_through"),
            upstreamPort: f.upstream.port, routes: Self.routes))
        f.redis.stop()
        #expect(try await Self.send(port: tolerant.port, key: "k1").status == 201)
        #expect(try await Self.send(port: tolerant.port, key: nil, path: "/v1/everything").status == 201)
        #expect(try await Self.send(port: f.port, key: "k2").status == 503)
        #expect(try await Self.send(port: f.port, key: nil, path: "/v1/everything").status == 503)
        #expect(f.ledger.totalExecutions == 2)
        await tolerant.kill9()
        await f.shutdown()
    }
}
