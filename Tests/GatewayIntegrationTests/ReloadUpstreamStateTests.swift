import Testing

/// What a reload does to per-upstream state: an upstream it leaves as it was
/// keeps its breaker (an open breaker stays open: the upstream did not get
/// better because a route was added); one whose settings change starts with
/// a closed breaker, its old state describing something else.
@Suite(.serialized)
struct ReloadUpstreamStateTests {
    static let routes = """
        routes:
          - name: flaky
            match: { path_prefix: /v1/flaky }
            upstream: flaky
        """

    static let moreRoutes = """
        routes:
          - name: flaky
            match: { path_prefix: /v1/flaky }
            upstream: flaky
          - name: orders
            match: { path_prefix: /v1/orders }
            upstream: main
            idempotency: { lock_ttl: 3s }
        """

    static func upstreams(_ port: Int, timeout: String = "2s") -> String {
        """
          flaky:
            url: "http://127.0.0.1:\(port)"
            timeout: \(timeout)
            connect_timeout: 1s
            circuit_breaker:
              failure_rate: 0.5
              minimum_calls: 4
              window: 10
              open_for: 30s
              half_open_calls: 2
        """
    }

    @Test func anUnchangedUpstreamKeepsItsOpenBreakerAndAChangedOneStartsClosed() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: { Self.upstreams($0) })
        for _ in 0..<4 {
            _ = try await TestHTTPClient.send(port: f.port, path: "/v1/flaky", headers: [("X-Upstream-Status", "500")])
        }
        #expect(try await f.metrics().value("circuit_breaker_state", ["upstream": "flaky"]) == 1)

        // A route added; `flaky` unchanged: still open, still refused.
        try f.gateway.rewriteConfig(ReloadTests.config(f, routes: Self.moreRoutes, extraUpstreams: Self.upstreams(f.upstream.port)))
        #expect(try await f.gateway.reload().status == 200)
        let refused = try await TestHTTPClient.send(port: f.port, path: "/v1/flaky")
        #expect(refused.status == 503)
        #expect(refused.text.contains("circuit-open"))
        #expect(f.ledger.totalExecutions == 4)
        #expect(try await f.metrics().value("circuit_breaker_state", ["upstream": "flaky"]) == 1)
        #expect(try await f.post("/v1/orders", key: "o-1").status == 201)

        // `flaky` changed (its timeout): a new guard, breaker closed, called again.
        try f.gateway.rewriteConfig(ReloadTests.config(f, routes: Self.moreRoutes,
                                                       extraUpstreams: Self.upstreams(f.upstream.port, timeout: "3s")))
        #expect(try await f.gateway.reload().status == 200)
        #expect(try await f.metrics().value("circuit_breaker_state", ["upstream": "flaky"]) == 0)
        #expect(try await TestHTTPClient.send(port: f.port, path: "/v1/flaky").status == 201)
        #expect(f.ledger.totalExecutions == 6)
        await f.gateway.waitForLog(containing: "upstreams.replaced=flaky")
        #expect(f.gateway.log.contains("upstreams.replaced=flaky"))
        await f.shutdown()
    }
}
