import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A claim held by a request of a configuration that a reload replaced is
/// still settled at shutdown: the replaced pipeline's requests still run.
@Suite(.serialized)
struct ReloadShutdownTests {
    static let routes = """
        routes:
          - name: patient
            match: { path_prefix: /v1/patient }
            upstream: patient
            idempotency: { lock_ttl: 30s }
        """

    static let renamed = """
        routes:
          - name: renamed
            match: { path_prefix: /v1/patient }
            upstream: patient
            idempotency: { lock_ttl: 30s }
        """

    @Test func aClaimOfAReplacedConfigurationIsReleasedAtShutdown() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: GatewayFixture.patientUpstream,
                                         extraTopLevel: "shutdown_timeout: 500ms")
        let port = f.port
        let call = Task {
            try? await TestHTTPClient.send(port: port, path: "/v1/patient",
                                           headers: [("Idempotency-Key", "old-1"), ("X-Upstream-Delay-Ms", "8000")], body: Array("{}".utf8))
        }
        for _ in 0..<200 where f.ledger.executions(key: "old-1") == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await f.redisKeys().count == 1)  // the pending claim

        try f.gateway.rewriteConfig(ReloadTests.config(f, routes: Self.renamed, extraUpstreams: GatewayFixture.patientUpstream(port: f.upstream.port),
                                                       extraTopLevel: "shutdown_timeout: 500ms"))
        #expect(try await f.gateway.reload().status == 200)

        f.gateway.signal(SIGTERM)
        #expect(await f.gateway.waitForExit(timeout: .seconds(10)) == 0)
        _ = await call.value
        // Released, with the old route's name: only the fencing counter is left.
        #expect(try await f.redisKeys().isEmpty)
        #expect(try await f.redisKeys(includingFences: true).count == 1)
        let line = try #require(f.gateway.logLines(containing: "claim abandoned at shutdown").first)
        #expect(line.contains("route=patient"))
        await f.shutdown()
    }
}
