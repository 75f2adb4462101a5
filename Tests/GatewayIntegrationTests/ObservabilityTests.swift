import Foundation
import Testing

/// `/metrics`, `/healthz`, `/readyz`, request ids and graceful shutdown, as
/// an operator sees them.
@Suite(.serialized)
struct ObservabilityTests {
    /// `log.format: json`: every line one JSON object a log shipper can
    /// parse, the request line carrying its data as fields, and the client's
    /// key only as its hash.
    @Test func jsonLogLinesAreObjectsWithTheRequestsFields() async throws {
        let f = try await GatewayFixture(logFormat: "json")
        let response = try await f.post("/v1/refunds", key: "json-log-key-1")
        #expect(response.status == 201)
        let requestID = try #require(response.header("X-Request-Id"))
        await f.gateway.waitForLog(containing: requestID)
        let lines = f.gateway.log.split(separator: "\n").filter { $0.hasPrefix("{") }
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!objects.isEmpty)
        #expect(objects.count == lines.count, "a log line is not a JSON object")
        let request = try #require(objects.first { $0["request.id"] as? String == requestID })
        #expect(request["msg"] as? String == "request")
        #expect(request["level"] as? String == "info")
        #expect(request["route"] as? String == "refunds")
        #expect((request["status"] as? NSNumber)?.intValue == 201)
        #expect(request["outcome"] as? String == "executed")
        #expect((request["key.hash"] as? String)?.isEmpty == false)
        #expect((request["ts"] as? String)?.hasSuffix("Z") == true)
        #expect(!f.gateway.log.contains("json-log-key-1"))
        await f.shutdown()
    }

    @Test func countersFollowTheOutcomes() async throws {
        let f = try await GatewayFixture()
        func count(_ outcome: String, route: String = "refunds") async throws -> Double {
            try await f.metrics().value("idempotency_requests_total", ["route": route, "outcome": outcome]) ?? -1
        }
        #expect(try await count("executed") == 0)
        _ = try await f.post("/v1/refunds", key: "m-1")
        #expect(try await count("executed") == 1)
        _ = try await f.post("/v1/refunds", key: "m-1")
        _ = try await f.post("/v1/refunds", key: "m-1")
        #expect(try await count("replayed") == 2)
        _ = try await f.post("/v1/refunds", key: "m-1", body: #"{"amount":5}"#)
        #expect(try await count("mismatch") == 1)

        let port = f.port
        let slow = Task {
            try await TestHTTPClient.send(port: port, path: "/v1/refunds",
                                          headers: [("Idempotency-Key", "m-2"), ("X-Upstream-Delay-Ms", "500")], body: Array("{}".utf8))
        }
        try await Task.sleep(for: .milliseconds(150))
        #expect(try await count("executed") == 1)
        let inFlight = try await f.metrics().value("idempotency_in_flight", ["route": "refunds"])
        #expect(inFlight == 1)
        let conflict = try await TestHTTPClient.send(port: f.port, path: "/v1/refunds", headers: [("Idempotency-Key", "m-2")], body: Array("{}".utf8))
        #expect(conflict.status == 409)
        #expect(try await count("conflict") == 1)
        _ = try await slow.value
        #expect(try await count("executed") == 2)
        #expect(try await f.metrics().value("idempotency_in_flight", ["route": "refunds"]) == 0)

        _ = try await f.post("/v1/orders", key: nil)
        #expect(try await count("missing_key", route: "orders") == 1)
        _ = try await f.post("/v1/anything", key: nil)
        #expect(try await count("passthrough", route: "plain") == 1)

        let metrics = try await f.metrics()
        #expect((metrics.value("gateway_request_duration_seconds_count", ["route": "refunds"]) ?? 0) >= 6)
        #expect((metrics.value("store_operation_duration_seconds_count", ["operation": "claim"]) ?? 0) >= 6)
        #expect(metrics.value("stored_response_bytes_count", ["route": "refunds"]) == 2)
        #expect(metrics.value("upstream_responses_total", ["upstream": "main", "class": "2xx"]) == 3)
        #expect(metrics.value("store_errors_total", ["operation": "claim"]) == 0)
        await f.shutdown()
    }

    @Test func readinessFollowsRedisAndHealthStaysUp() async throws {
        let f = try await GatewayFixture()
        #expect(try await f.admin("/healthz").status == 200)
        #expect(try await f.admin("/readyz").status == 200)
        f.redis.stop()
        #expect(try await f.admin("/readyz").status == 503)
        #expect(try await f.admin("/healthz").status == 200)
        try await f.redis.start()
        var ready = 0
        for _ in 0..<50 {
            ready = try await f.admin("/readyz").status
            if ready == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(ready == 200)
        await f.shutdown()
    }

    @Test func requestIdIsKeptOrGeneratedAndForwarded() async throws {
        let f = try await GatewayFixture()
        let given = try await f.post("/v1/refunds", key: nil, headers: [("X-Request-Id", "req-abc-123")])
        #expect(given.header("X-Request-Id") == "req-abc-123")
        #expect(f.ledger.requests.last?.headers(named: "X-Request-Id") == ["req-abc-123"])
        let generated = try await f.post("/v1/refunds", key: nil)
        let id = try #require(generated.header("X-Request-Id"))
        #expect(id.count == 32)
        #expect(f.ledger.requests.last?.header("X-Request-Id") == id)
        // The log line carries the id and the key's hash, never the key.
        _ = try await f.post("/v1/refunds", key: "secret-key-value", headers: [("X-Request-Id", "req-log-1")])
        try await Task.sleep(for: .milliseconds(100))
        let log = f.gateway.log
        #expect(log.contains("req-log-1"))
        #expect(log.contains("outcome=executed"))
        #expect(!log.contains("secret-key-value"))
        await f.shutdown()
    }

    @Test func sigtermDrainsInFlightRequestsAndExitsZero() async throws {
        let f = try await GatewayFixture(extraTopLevel: "shutdown_timeout: 10s")
        let port = f.port
        let slow = Task {
            try await TestHTTPClient.send(port: port, path: "/v1/refunds",
                                          headers: [("Idempotency-Key", "drain-1"), ("X-Upstream-Delay-Ms", "1500")], body: Array("{}".utf8))
        }
        for _ in 0..<100 where f.ledger.executions(key: "drain-1") == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        f.gateway.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        #expect(!FreePort.isAccepting(port), "the gateway still accepts connections after SIGTERM")
        let readiness = try? await f.admin("/readyz")
        #expect(readiness?.status == 503)

        let response = try await slow.value
        #expect(response.status == 201)
        #expect(await f.gateway.waitForExit(timeout: .seconds(10)) == 0)

        // The snapshot was stored before exit: a new gateway replays it.
        let next = try await GatewayProcess(yaml: GatewayFixture.yaml(
            store: GatewayFixture.redisStore(port: f.redis.port), upstreamPort: f.upstream.port, routes: GatewayFixture.defaultRoutes))
        let replay = try await TestHTTPClient.send(port: next.port, path: "/v1/refunds", headers: [("Idempotency-Key", "drain-1")],
                                                   body: Array("{}".utf8))
        #expect(replay.header("Idempotent-Replayed") == "true")
        #expect(replay.body == response.body)
        #expect(f.ledger.executions(key: "drain-1") == 1)
        await next.kill9()
        await f.shutdown()
    }
}
