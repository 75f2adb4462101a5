import Foundation
import Testing

/// What the log holds under a flood and what it never holds: a warning
/// repeated by every request of an outage is written once, then at most
/// once a second with a count; query strings never reach a line.
@Suite(.serialized)
struct LogHygieneTests {
    @Test func aRedisOutageWritesAHandfulOfWarningsWithCounts() async throws {
        let f = try await GatewayFixture()
        f.redis.stop()
        let started = ContinuousClock.now
        var refused = 0
        // Five bursts of 100, 600 ms apart: the outage spans several
        // throttle intervals, so later lines and their counts show.
        for burst in 0..<5 {
            if burst > 0 { try await Task.sleep(for: .milliseconds(600)) }
            for index in 0..<100 {
                let response = try await f.post("/v1/refunds", key: "down-\(burst)-\(index)")
                if response.status == 503 { refused += 1 }
            }
        }
        let elapsed = ContinuousClock.now - started
        #expect(refused == 500)
        try await Task.sleep(for: .milliseconds(200))

        let warnings = f.gateway.log.split(separator: "\n").filter { $0.contains(" warning ") }
        let seconds = Int(elapsed.components.seconds) + 1
        // One line per started second of the outage, and one more for the
        // boundary: not one per request.
        #expect(warnings.count >= 2)
        #expect(warnings.count <= seconds + 2, "\(warnings.count) warning lines in \(elapsed)")
        #expect(warnings.allSatisfy { $0.contains("store operation failed") && $0.contains("operation=claim") })
        #expect(!warnings[0].contains("suppressed="))
        var accounted = 1
        for line in warnings.dropFirst() {
            let count = line.split(separator: " ").first { $0.hasPrefix("suppressed=") }.flatMap { Int($0.dropFirst("suppressed=".count)) }
            #expect(count != nil, "a later line without a count: \(line)")
            accounted += 1 + (count ?? 0)
        }
        // Every refused claim is either a line or counted in a later one,
        // except the ones held back since the last line.
        #expect(accounted <= 500)
        #expect(accounted > warnings.count)
        await f.shutdown()
    }

    @Test func queryStringsNeverReachTheLog() async throws {
        let f = try await GatewayFixture()
        let unreachable = try await TestHTTPClient.send(port: f.port, path: "/v1/ghost?token=SECRET-CONNECT",
                                                        headers: [("Idempotency-Key", "q-1")], body: Array("{}".utf8))
        #expect(unreachable.status == 502)
        let slow = try await TestHTTPClient.send(port: f.port, path: "/v1/slow?token=SECRET-TIMEOUT",
                                                 headers: [("Idempotency-Key", "q-2"), ("X-Upstream-Delay-Ms", "1500")],
                                                 body: Array("{}".utf8))
        #expect(slow.status == 504)
        let closed = try await TestHTTPClient.send(port: f.port, path: "/v1/refunds?token=SECRET-CLOSE",
                                                   headers: [("Idempotency-Key", "q-3"), ("X-Upstream-Close", "1")],
                                                   body: Array("{}".utf8))
        #expect(closed.status == 502)
        await f.gateway.waitForLog(containing: "upstream outcome unknown")
        try await Task.sleep(for: .milliseconds(200))
        let log = f.gateway.log
        #expect(log.contains("upstream call failed"))
        #expect(!log.contains("SECRET"))
        await f.shutdown()
    }

    /// The access line names the user agent and nothing else a client sent
    /// in a header: credentials, cookies and a tracestate stay out, in both
    /// formats, on a forwarded request and on a replay.
    @Test(arguments: ["text", "json"])
    func noHeaderValueButTheUserAgentReachesTheLog(format: String) async throws {
        let f = try await GatewayFixture(logFormat: format)
        let headers = [
            ("Authorization", "Bearer SECRET-AUTH"), ("Cookie", "session=SECRET-COOKIE"), ("X-Api-Key", "SECRET-API-KEY"),
            ("tracestate", "vendor=SECRET-STATE"), ("User-Agent", "hygiene-agent/2.0"), ("X-Request-Id", "hygiene-\(format)"),
        ]
        let first = try await f.post("/v1/charges?card=SECRET-CARD", key: "hygiene-key", headers: headers)
        #expect(first.status == 201)
        let replay = try await f.post("/v1/charges?card=SECRET-CARD", key: "hygiene-key", headers: headers)
        #expect(replay.header("Idempotent-Replayed") == "true")
        await f.gateway.waitForLog(containing: "replayed")
        let log = f.gateway.log
        #expect(log.contains("hygiene-agent/2.0"))
        #expect(log.contains("/v1/charges"))
        #expect(!log.contains("SECRET"))
        #expect(!log.contains("hygiene-key"))
        await f.shutdown()
    }
}
