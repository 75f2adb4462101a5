import Foundation
import GatewayCore
import Testing

/// `/metrics` as Prometheus reads it from a real gateway: every family
/// described, the build and process facts, and the clients' responses by
/// status class.
@Suite(.serialized)
struct MetricsExpositionTests {
    /// Each `# TYPE` has a `# HELP` for the same name with text. The
    /// requests first make every kind of series hold a sample.
    @Test func everyMetricHasHelpText() async throws {
        let f = try await GatewayFixture()
        _ = try await f.post("/v1/refunds", key: "help-1")
        _ = try await f.post("/v1/refunds", key: "help-1")
        let text = try await f.admin("/metrics").text
        var types: [String] = []
        var help: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count >= 3, parts[0] == "#" else { continue }
            if parts[1] == "TYPE" { types.append(String(parts[2])) }
            if parts[1] == "HELP" { help[String(parts[2])] = parts.count == 4 ? String(parts[3]) : "" }
        }
        #expect(types.count >= 20, "\(types)")
        for name in types {
            let description = help[name]?.trimmingCharacters(in: .whitespaces) ?? ""
            #expect(!description.isEmpty, "\(name) has no HELP text")
        }
        for name in ["idempotency_requests_total", "gateway_responses_total", "process_cpu_seconds_total",
                     "idempotency_gateway_build_info", "config_reload_total", "client_timeouts_total"] {
            #expect(types.contains(name), "\(name) is not exported")
        }
        await f.shutdown()
    }

    @Test func buildInfoAndProcessMetricsArePlausible() async throws {
        let f = try await GatewayFixture()
        let first = try await f.metrics()
        #expect(first.value("idempotency_gateway_build_info", ["version": GatewayVersion.current]) == 1)
        #expect(first.samples.filter { $0.name == "idempotency_gateway_build_info" }.count == 1)
        let rss = try #require(first.value("process_resident_memory_bytes"))
        #expect(rss > 1_048_576)
        let fds = try #require(first.value("process_open_fds"))
        #expect(fds > 3)
        let started = try #require(first.value("process_start_time_seconds"))
        let now = Date().timeIntervalSince1970
        #expect(started > now - 600 && started <= now + 1, "start \(started), now \(now)")
        let cpuBefore = try #require(first.value("process_cpu_seconds_total"))
        #expect(cpuBefore > 0)
        for index in 0..<50 { _ = try await f.post("/v1/refunds", key: "cpu-\(index)") }
        let second = try await f.metrics()
        let cpuAfter = try #require(second.value("process_cpu_seconds_total"))
        #expect(cpuAfter >= cpuBefore)
        await f.shutdown()
    }

    /// 201 (executed), 409 (a concurrent retry of a running key) and 404 (an
    /// upstream's answer on another route), each counted under its route and
    /// class; the other classes stay at zero.
    @Test func responsesAreCountedByRouteAndStatusClass() async throws {
        let f = try await GatewayFixture()
        func count(_ route: String, _ responseClass: String) async throws -> Double? {
            try await f.metrics().value("gateway_responses_total", ["route": route, "class": responseClass])
        }
        #expect(try await count("refunds", "2xx") == 0)
        #expect(try await count("unmatched", "4xx") == 0)
        #expect(try await f.post("/v1/refunds", key: "class-1").status == 201)

        let port = f.port
        let slow = Task {
            try await TestHTTPClient.send(port: port, path: "/v1/refunds",
                                          headers: [("Idempotency-Key", "class-2"), ("X-Upstream-Delay-Ms", "500")], body: Array("{}".utf8))
        }
        try await Task.sleep(for: .milliseconds(150))
        let conflict = try await TestHTTPClient.send(port: f.port, path: "/v1/refunds", headers: [("Idempotency-Key", "class-2")], body: Array("{}".utf8))
        #expect(conflict.status == 409)
        #expect(try await slow.value.status == 201)

        let missing = try await f.post("/v1/anything", key: nil, headers: [("X-Upstream-Status", "404")])
        #expect(missing.status == 404)

        #expect(try await count("refunds", "2xx") == 2)
        #expect(try await count("refunds", "4xx") == 1)
        #expect(try await count("plain", "4xx") == 1)
        #expect(try await count("plain", "2xx") == 0)
        for responseClass in ["1xx", "3xx", "5xx"] {
            #expect(try await count("refunds", responseClass) == 0)
        }
        await f.shutdown()
    }

    /// Open connections are read at scrape time; accepted ones counted as
    /// the listener takes them.
    @Test func openAndAcceptedConnectionsFollowTheClients() async throws {
        let f = try await GatewayFixture()
        let before = try await f.metrics()
        let acceptedBefore = try #require(before.value("client_connections_accepted_total"))
        let first = try await RawConnection.open(port: f.port)
        let second = try await RawConnection.open(port: f.port)
        for connection in [first, second] {
            #expect(await connection.send("GET /ping HTTP/1.1\r\nHost: gw\r\n\r\n"))
            #expect(await connection.next()?.status == 201)
        }
        let during = try await f.metrics()
        #expect(during.value("client_connections_open") == 2)
        #expect(during.value("client_connections_accepted_total") == acceptedBefore + 2)
        first.close()
        second.close()
        var open = during.value("client_connections_open")
        let deadline = ContinuousClock.now + .seconds(5)
        while open != 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            open = try await f.metrics().value("client_connections_open")
        }
        #expect(open == 0)
        #expect(try await f.metrics().value("client_connections_accepted_total") == acceptedBefore + 2)
        await f.shutdown()
    }
}
