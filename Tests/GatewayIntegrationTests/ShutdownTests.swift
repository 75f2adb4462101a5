import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Signals: SIGTERM past `shutdown_timeout` settles the claims still held
/// before the store client closes (a retry elsewhere is not told 409 until
/// `lock_ttl`). SIGHUP reloads (ReloadTests).
@Suite(.serialized)
struct ShutdownTests {
    /// Routes on `patient` (10 s timeout) with a lease far longer than the
    /// test: a claim that is still there afterwards was not settled.
    static let routes = """
        routes:
          - name: patient
            match: { path_prefix: /v1/patient }
            upstream: patient
            idempotency: { lock_ttl: 30s }
          - name: held
            match: { path_prefix: /v1/held }
            upstream: patient
            idempotency: { lock_ttl: 30s, on_ambiguous: hold }
          - name: plain
            match: { path_prefix: / }
            upstream: main
        """

    private func startSlowCall(_ f: GatewayFixture, path: String, key: String) async throws -> Task<TestResponse?, Never> {
        let port = f.port
        let call = Task {
            try? await TestHTTPClient.send(port: port, path: path,
                                           headers: [("Idempotency-Key", key), ("X-Upstream-Delay-Ms", "8000")], body: Array("{}".utf8))
        }
        for _ in 0..<200 where f.ledger.executions(key: key) == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(f.ledger.executions(key: key) == 1)
        return call
    }

    @Test func claimsHeldPastTheShutdownTimeoutAreReleasedBeforeExit() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: GatewayFixture.patientUpstream, extraTopLevel: "shutdown_timeout: 500ms")
        let call = try await startSlowCall(f, path: "/v1/patient", key: "stuck-1")
        #expect(try await f.redisKeys().count == 1)  // the pending claim

        f.gateway.signal(SIGTERM)
        #expect(await f.gateway.waitForExit(timeout: .seconds(10)) == 0)
        _ = await call.value

        // No pending claim is left, only the fencing counter.
        #expect(try await f.redisKeys().isEmpty)
        #expect(try await f.redisKeys(includingFences: true).count == 1)
        #expect(f.gateway.log.contains("claim abandoned at shutdown"))
        #expect(!f.gateway.log.contains("idempotency lease lost"))

        // A new gateway executes the retry at once, with the next fence.
        let next = try await GatewayProcess(yaml: GatewayFixture.yaml(
            store: GatewayFixture.redisStore(port: f.redis.port), upstreamPort: f.upstream.port, routes: Self.routes,
            extraUpstreams: GatewayFixture.patientUpstream(port: f.upstream.port)))
        let retry = try await TestHTTPClient.send(port: next.port, path: "/v1/patient", headers: [("Idempotency-Key", "stuck-1")],
                                                  body: Array("{}".utf8))
        #expect(retry.status == 201)
        #expect(f.ledger.executions(key: "stuck-1") == 2)
        #expect(f.ledger.requests.last?.header("Idempotency-Fence") == "2")
        await next.kill9()
        await f.shutdown()
    }

    @Test func onAHoldRouteTheAbandonedClaimBecomesOutcomeUnknown() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: GatewayFixture.patientUpstream, extraTopLevel: "shutdown_timeout: 500ms")
        let call = try await startSlowCall(f, path: "/v1/held", key: "stuck-2")
        f.gateway.signal(SIGTERM)
        #expect(await f.gateway.waitForExit(timeout: .seconds(10)) == 0)
        _ = await call.value

        let next = try await GatewayProcess(yaml: GatewayFixture.yaml(
            store: GatewayFixture.redisStore(port: f.redis.port), upstreamPort: f.upstream.port, routes: Self.routes,
            extraUpstreams: GatewayFixture.patientUpstream(port: f.upstream.port)))
        let retry = try await TestHTTPClient.send(port: next.port, path: "/v1/held", headers: [("Idempotency-Key", "stuck-2")],
                                                  body: Array("{}".utf8))
        #expect(retry.status == 502)
        #expect(retry.header("Idempotent-Replayed") == "true")
        #expect(retry.text.contains("outcome-unknown"))
        #expect(retry.text.contains(#""cause":"shutdown""#))
        #expect(f.ledger.executions(key: "stuck-2") == 1)
        await next.kill9()
        await f.shutdown()
    }
}
