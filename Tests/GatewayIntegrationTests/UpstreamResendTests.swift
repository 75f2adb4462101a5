import Foundation
import Testing

/// Issue 14, item A, through the real gateway, Redis and upstream: a request
/// that is not safe to repeat reaches the upstream at most once, even when the
/// pooled connection it went out on dies before any response byte.
///
/// The trigger is a warm pool: ten slow requests leave ten keep-alive
/// connections behind, then a request that the upstream reads, sits on for
/// half a second and answers by closing. libcurl 7.88 used to send it again on
/// the next pooled connection, up to five more times (six executions measured,
/// all with `Idempotency-Fence: 1`).
@Suite(.serialized)
struct UpstreamResendTests {
    static let routes = """
        routes:
          - name: keyed
            match: { path_prefix: /v1/keyed }
            upstream: patient
            idempotency: { lock_ttl: 10s, methods: [POST, PATCH, DELETE] }
          - name: open
            match: { path_prefix: / }
            upstream: patient
        """

    private func fixture() async throws -> GatewayFixture {
        try await GatewayFixture(routes: Self.routes, extraUpstreams: GatewayFixture.patientUpstream)
    }

    /// Ten concurrent slow GETs: each holds its own connection, and all ten
    /// stay pooled afterwards.
    /// Returns how many connections the upstream has accepted by then.
    private func warmPool(_ f: GatewayFixture) async throws -> Int {
        let port = f.port
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<10 {
                group.addTask {
                    try await TestHTTPClient.send(port: port, method: "GET", path: "/warm/\(index)",
                                                  headers: [("X-Upstream-Delay-Ms", "300")]).status
                }
            }
            for try await status in group { #expect(status == 201) }
        }
        #expect(f.ledger.connectionsAccepted >= 10)
        return f.ledger.connectionsAccepted
    }

    private static let dropAfterReading = [("X-Upstream-Delay-Ms", "500"), ("X-Upstream-Close", "1")]

    @Test(arguments: ["POST", "DELETE"])
    func keyedRequestOnADyingPooledConnectionExecutesOnce(method: String) async throws {
        let f = try await fixture()
        let pooled = try await warmPool(f)
        let key = "resend-\(method)"
        let headers = Self.dropAfterReading + [("Idempotency-Key", key)]
        let response = try await TestHTTPClient.send(port: f.port, method: method, path: "/v1/keyed/1", headers: headers,
                                                     body: method == "POST" ? Array(#"{"amount":1}"#.utf8) : [])
        // Sent, outcome unknown: a 502, never the "not sent" kind of answer.
        #expect(response.status == 502)
        #expect(f.ledger.executions(key: key) == 1)
        let fences = f.ledger.requests.filter { $0.header("Idempotency-Key") == key }.map { $0.header("Idempotency-Fence") }
        #expect(fences == ["1"])
        #expect(f.ledger.connectionsAccepted == pooled)
        await f.shutdown()
    }

    /// An empty-body POST with no key: not safe to repeat by its method alone.
    @Test func unkeyedEmptyPostOnADyingPooledConnectionExecutesOnce() async throws {
        let f = try await fixture()
        let pooled = try await warmPool(f)
        let before = f.ledger.totalExecutions
        let response = try await TestHTTPClient.send(port: f.port, method: "POST", path: "/plain/1",
                                                     headers: Self.dropAfterReading)
        #expect(response.status == 502)
        #expect(f.ledger.totalExecutions - before == 1)
        #expect(f.ledger.connectionsAccepted == pooled)
        await f.shutdown()
    }

    /// A GET without a key may go out once more, and only on a new connection.
    @Test func unkeyedGetIsResentOnceOnAFreshConnection() async throws {
        let f = try await fixture()
        let pooled = try await warmPool(f)
        let before = f.ledger.totalExecutions
        let response = try await TestHTTPClient.send(port: f.port, method: "GET", path: "/plain/get",
                                                     headers: Self.dropAfterReading)
        #expect(response.status == 502)
        #expect(f.ledger.totalExecutions - before == 2)
        #expect(f.ledger.connectionsAccepted == pooled + 1)
        await f.shutdown()
    }
}
