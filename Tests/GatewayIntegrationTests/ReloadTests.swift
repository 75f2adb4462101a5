import ExampleUpstream
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP and `POST /reload` re-read the configuration file: new routes,
/// upstreams and policies serve new requests, requests in flight finish
/// under the configuration they started with, and a file that is invalid or
/// changes what only a restart applies leaves the running configuration
/// exactly as it was.
@Suite(.serialized)
struct ReloadTests {
    static let ordersOnly = """
        routes:
          - name: orders
            match: { path_prefix: /v1/orders }
            upstream: main
            idempotency: { lock_ttl: 3s }
        """

    static let withInvoices = """
        routes:
          - name: orders
            match: { path_prefix: /v1/orders }
            upstream: main
            idempotency: { lock_ttl: 3s }
          - name: invoices
            match: { path_prefix: /v1/invoices }
            upstream: main
            idempotency: { required: true, lock_ttl: 3s }
        """

    /// Two problems: an unknown upstream and a bad duration.
    static let broken = """
        routes:
          - name: orders
            match: { path_prefix: /v1/orders }
            upstream: main
            idempotency: { lock_ttl: 3s }
          - name: invoices
            match: { path_prefix: /v1/invoices }
            upstream: missing
            idempotency: { required: true, lock_ttl: soon }
        """

    static func config(_ f: GatewayFixture, routes: String, extraUpstreams: String = "", extraTopLevel: String = "") -> String {
        GatewayFixture.yaml(store: GatewayFixture.redisStore(port: f.redis.port), upstreamPort: f.upstream.port,
                            routes: routes, extraUpstreams: extraUpstreams, extraTopLevel: extraTopLevel)
    }

    static func other(port: Int) -> String {
        """
          other:
            url: "http://127.0.0.1:\(port)"
            timeout: 2s
            connect_timeout: 1s
        """
    }

    @Test func aRouteAddedBySIGHUPServes() async throws {
        let f = try await GatewayFixture(routes: Self.ordersOnly)
        #expect(try await f.post("/v1/invoices", key: "inv-1").status == 404)

        try f.gateway.rewriteConfig(Self.config(f, routes: Self.withInvoices))
        f.gateway.signal(SIGHUP)
        await f.gateway.waitForLog(containing: "configuration reloaded")
        let line = try #require(f.gateway.logLines(containing: "configuration reloaded").first)
        #expect(line.contains("SIGHUP"))
        #expect(line.contains("invoices"))
        #expect(f.gateway.isRunning)

        #expect(try await f.post("/v1/invoices", key: nil).status == 400)   // the new route's policy: key required
        let first = try await f.post("/v1/invoices", key: "inv-1")
        #expect(first.status == 201)
        let again = try await f.post("/v1/invoices", key: "inv-1")
        #expect(again.status == 201)
        #expect(again.header("Idempotent-Replayed") == "true")
        #expect(again.body == first.body)
        #expect(f.ledger.executions(key: "inv-1") == 1)
        #expect(try await f.post("/v1/orders", key: "ord-1").status == 201)

        let metrics = try await f.metrics()
        #expect(metrics.value("config_reload_total", ["result": "applied"]) == 1)
        #expect(metrics.value("config_reload_total", ["result": "invalid"]) == 0)
        #expect(metrics.value("idempotency_requests_total", ["route": "invoices", "outcome": "executed"]) == 1)
        #expect(metrics.value("idempotency_requests_total", ["route": "invoices", "outcome": "replayed"]) == 1)
        #expect(metrics.value("idempotency_requests_total", ["route": "invoices", "outcome": "missing_key"]) == 1)
        #expect(metrics.value("idempotency_in_flight", ["route": "invoices"]) == 0)
        #expect(metrics.value("idempotency_requests_total", ["route": "orders", "outcome": "executed"]) == 1)
        // The new route's response classes exist from the reload on.
        #expect(metrics.value("gateway_responses_total", ["route": "invoices", "class": "2xx"]) == 2)
        #expect(metrics.value("gateway_responses_total", ["route": "invoices", "class": "4xx"]) == 1)
        #expect(metrics.value("gateway_responses_total", ["route": "invoices", "class": "5xx"]) == 0)
        #expect(metrics.value("gateway_responses_total", ["route": "unmatched", "class": "4xx"]) == 1)

        // A second SIGHUP with the same file applies again; the process never stops.
        f.gateway.signal(SIGHUP)
        await f.gateway.waitForLogLines(containing: "configuration reloaded", count: 2)
        #expect(f.gateway.logLines(containing: "configuration reloaded").count == 2)
        #expect(try await f.post("/v1/invoices", key: "inv-1").header("Idempotent-Replayed") == "true")
        await f.shutdown()
    }

    @Test func aBadFileKeepsTheRunningConfiguration() async throws {
        let f = try await GatewayFixture(routes: Self.ordersOnly)
        try f.gateway.rewriteConfig(Self.config(f, routes: Self.broken))
        let check = try CheckCommandTests.run(["check", "--config", f.gateway.configPath])
        #expect(check.status == 2)
        let lines = check.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)

        let answer = try await f.gateway.reload()
        #expect(answer.status == 400)
        #expect(answer.header("Content-Type") == "application/problem+json")
        let problem = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
        #expect(problem["type"] as? String == "tag:idempotency-gateway,2026:config-invalid")
        #expect(problem["status"] as? Int == 400)
        #expect(problem["problems"] as? [String] == lines)   // exactly what `check` prints
        #expect(problem["generation"] as? Int == 1)
        await f.gateway.waitForLog(containing: "configuration reload refused")
        for line in lines {
            #expect(f.gateway.log.contains(line))
        }

        // Still the old configuration: orders serves, invoices does not exist.
        #expect(try await f.post("/v1/orders", key: "ord-1").status == 201)
        #expect(try await f.post("/v1/invoices", key: "inv-1").status == 404)

        // SIGHUP with the same file: logged the same way, still running.
        f.gateway.signal(SIGHUP)
        await f.gateway.waitForLogLines(containing: "configuration reload refused", count: 2)
        #expect(f.gateway.isRunning)
        for line in lines {
            #expect(f.gateway.logLines(containing: line).count == 2)
        }
        let metrics = try await f.metrics()
        #expect(metrics.value("config_reload_total", ["result": "invalid"]) == 2)
        #expect(metrics.value("config_reload_total", ["result": "applied"]) == 0)

        // Fixed, the same file applies.
        try f.gateway.rewriteConfig(Self.config(f, routes: Self.withInvoices))
        let applied = try await f.gateway.reload()
        #expect(applied.status == 200)
        #expect(applied.text.contains(#""generation":2"#))
        #expect(try await f.post("/v1/invoices", key: "inv-1").status == 201)
        await f.shutdown()
    }

    @Test func aListenChangeNeedsARestartAndNothingChanges() async throws {
        let f = try await GatewayFixture(routes: Self.ordersOnly)
        let newPort = FreePort.next()
        try f.gateway.rewriteConfig(Self.config(f, routes: Self.withInvoices), port: newPort)
        let answer = try await f.gateway.reload()
        #expect(answer.status == 409)
        #expect(answer.header("Content-Type") == "application/problem+json")
        let problem = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
        #expect(problem["type"] as? String == "tag:idempotency-gateway,2026:restart-needed")
        #expect(problem["restart_needed"] as? [String] == ["listen"])
        await f.gateway.waitForLog(containing: "configuration reload needs a restart")
        #expect(f.gateway.log.contains("fields=listen"))

        // Nothing applied: the route the same file adds does not exist, the
        // old port serves and the new one is not bound.
        #expect(try await f.post("/v1/invoices", key: "inv-1").status == 404)
        #expect(try await f.post("/v1/orders", key: "ord-1").status == 201)
        #expect(!FreePort.isAccepting(newPort))

        // The store is fixed at start too.
        let prefixed = Self.config(f, routes: Self.ordersOnly).replacingOccurrences(of: #"key_prefix: "idem""#, with: #"key_prefix: "other""#)
        try f.gateway.rewriteConfig(prefixed)
        let store = try await f.gateway.reload()
        #expect(store.status == 409)
        #expect(store.text.contains(#""restart_needed":["store.key_prefix"]"#))

        let metrics = try await f.metrics()
        #expect(metrics.value("config_reload_total", ["result": "restart_needed"]) == 2)
        #expect(metrics.value("config_reload_total", ["result": "applied"]) == 0)
        await f.shutdown()
    }

    @Test func aRequestInFlightFinishesUnderTheConfigurationItStartedWith() async throws {
        let f = try await GatewayFixture(routes: Self.ordersOnly)
        let second = try await ExampleUpstreamServer.start()
        let upstreams = Self.other(port: second.port)
        try f.gateway.rewriteConfig(Self.config(f, routes: Self.ordersOnly, extraUpstreams: upstreams))
        #expect(try await f.gateway.reload().status == 200)

        let port = f.port
        let slow = Task {
            try await TestHTTPClient.send(port: port, path: "/v1/orders",
                                          headers: [("Idempotency-Key", "slow-1"), ("X-Upstream-Delay-Ms", "1500")],
                                          body: Array("{}".utf8))
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while f.ledger.totalExecutions == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(f.ledger.totalExecutions == 1)

        // While it runs, `orders` moves to the other upstream.
        let moved = Self.ordersOnly.replacingOccurrences(of: "upstream: main", with: "upstream: other")
        try f.gateway.rewriteConfig(Self.config(f, routes: moved, extraUpstreams: upstreams))
        let reloadStarted = ContinuousClock.now
        #expect(try await f.gateway.reload().status == 200)
        print("reload answered in \(ContinuousClock.now - reloadStarted) while a request was in flight")
        #expect(try await f.post("/v1/orders", key: "new-1").status == 201)
        #expect(second.ledger.executions(key: "new-1") == 1)
        #expect(f.ledger.executions(key: "new-1") == 0)

        let answer = try await slow.value
        #expect(answer.status == 201)
        #expect(answer.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "slow-1") == 1)
        #expect(second.ledger.executions(key: "slow-1") == 0)
        // Stored under the old configuration, replayed under the new one.
        let replay = try await f.post("/v1/orders", key: "slow-1", body: "{}")
        #expect(replay.header("Idempotent-Replayed") == "true")
        #expect(f.ledger.executions(key: "slow-1") + second.ledger.executions(key: "slow-1") == 1)
        await second.stop()
        await f.shutdown()
    }
}
