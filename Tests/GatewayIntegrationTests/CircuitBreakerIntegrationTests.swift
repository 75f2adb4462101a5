import Testing

/// The breaker opens on a failing upstream, refuses with the remaining open
/// time as Retry-After, leaves no claim behind, and closes again after
/// successful half-open probes, all visible in `/metrics`.
@Suite(.serialized)
struct CircuitBreakerIntegrationTests {
    static let routes = """
        routes:
          - name: flaky-keyed
            match: { path_prefix: /v1/flaky-keyed }
            upstream: flaky
            idempotency: { lock_ttl: 3s }
          - name: flaky
            match: { path_prefix: /v1/flaky }
            upstream: flaky
          - name: narrow
            match: { path_prefix: /v1/narrow }
            upstream: narrow
          - name: plain
            match: { path_prefix: / }
            upstream: main
        """

    static func upstreams(_ port: Int) -> String {
        """
          flaky:
            url: "http://127.0.0.1:\(port)"
            timeout: 2s
            connect_timeout: 1s
            circuit_breaker:
              failure_rate: 0.5
              minimum_calls: 4
              window: 10
              open_for: 2s
              half_open_calls: 2
          narrow:
            url: "http://127.0.0.1:\(port)"
            timeout: 2s
            connect_timeout: 1s
            max_in_flight: 4
        """
    }

    func breakerState(_ f: GatewayFixture) async throws -> Double? {
        try await f.metrics().value("circuit_breaker_state", ["upstream": "flaky"])
    }

    @Test func breakerOpensRefusesAndRecovers() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: Self.upstreams)
        #expect(try await breakerState(f) == 0)
        for _ in 0..<4 {
            let failing = try await TestHTTPClient.send(port: f.port, path: "/v1/flaky", headers: [("X-Upstream-Status", "500")])
            #expect(failing.status == 500)
        }
        #expect(f.ledger.totalExecutions == 4)
        #expect(try await breakerState(f) == 1)

        // Open: refused at once, upstream untouched, Retry-After = open_for.
        let refused = try await TestHTTPClient.send(port: f.port, path: "/v1/flaky")
        #expect(refused.status == 503)
        #expect(refused.header("Content-Type") == "application/problem+json")
        #expect(refused.header("Retry-After") == "2")
        #expect(refused.text.contains("circuit-open"))
        let keyed = try await TestHTTPClient.send(port: f.port, path: "/v1/flaky-keyed", headers: [("Idempotency-Key", "while-open")])
        #expect(keyed.status == 503)
        #expect(f.ledger.totalExecutions == 4)
        let keys = try await f.redisKeys()
        #expect(keys.isEmpty, "a refused request left a claim: \(keys)")

        // After open_for the breaker lets probes through: half-open while one runs.
        try await Task.sleep(for: .milliseconds(2100))
        let port = f.port
        let probe = Task {
            try await TestHTTPClient.send(port: port, path: "/v1/flaky", headers: [("X-Upstream-Delay-Ms", "600")])
        }
        try await Task.sleep(for: .milliseconds(250))
        #expect(try await breakerState(f) == 2)
        #expect(try await probe.value.status == 201)
        let secondProbe = try await TestHTTPClient.send(port: f.port, path: "/v1/flaky-keyed", headers: [("Idempotency-Key", "while-open")])
        #expect(secondProbe.status == 201)
        #expect(secondProbe.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "while-open") == 1)
        #expect(try await breakerState(f) == 0)

        let metrics = try await f.metrics()
        #expect(metrics.value("circuit_breaker_transitions_total", ["upstream": "flaky", "to": "open"]) == 1)
        #expect(metrics.value("circuit_breaker_transitions_total", ["upstream": "flaky", "to": "half_open"]) == 1)
        #expect(metrics.value("circuit_breaker_transitions_total", ["upstream": "flaky", "to": "closed"]) == 1)
        #expect(metrics.value("idempotency_requests_total", ["route": "flaky", "outcome": "circuit_open"]) == 1)
        #expect(metrics.value("upstream_responses_total", ["upstream": "flaky", "class": "5xx"]) == 4)
        await f.shutdown()
    }

    @Test func maxInFlightRefusesTheExcessAtOnce() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: Self.upstreams)
        let port = f.port
        let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    try await TestHTTPClient.send(port: port, path: "/v1/narrow", headers: [("X-Upstream-Delay-Ms", "700")])
                }
            }
            var all: [TestResponse] = []
            for try await response in group { all.append(response) }
            return all
        }
        let overloaded = responses.filter { $0.status == 503 }
        #expect(responses.filter { $0.status == 201 }.count + overloaded.count == 12)
        #expect(overloaded.count >= 8)
        #expect(overloaded.allSatisfy { $0.header("Retry-After") == "1" && $0.text.contains("upstream-overloaded") })
        #expect(f.ledger.peakInFlight <= 4)
        #expect(f.ledger.totalExecutions <= 4)
        let metrics = try await f.metrics()
        #expect(metrics.value("idempotency_requests_total", ["route": "narrow", "outcome": "overloaded"]) == Double(overloaded.count))
        await f.shutdown()
    }
}
