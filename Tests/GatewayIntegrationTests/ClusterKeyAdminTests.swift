import ExampleUpstream
import Foundation
import Testing

/// The key API over a Redis Cluster: the pipelined reads of `show` and the
/// purge script reach the master of each key's slot, and the fencing
/// counter beside each record survives its purge.
@Suite(.serialized)
struct ClusterKeyAdminTests {
    @Test func showAndPurgeReachEveryMaster() async throws {
        let cluster = try await RedisClusterProcess.start()
        let upstream = try await ExampleUpstreamServer.start()
        let gateway = try await GatewayProcess(yaml: GatewayFixture.yaml(store: cluster.storeYAML(), upstreamPort: upstream.port,
                                                                         routes: ClusterTests.routes, adminToken: GatewayFixture.adminToken))
        func keys(_ method: String, _ key: String) async throws -> TestResponse {
            try await TestHTTPClient.send(port: gateway.adminPort, method: method, path: "/keys/orders/\(key)",
                                          headers: [("Authorization", "Bearer \(GatewayFixture.adminToken)")])
        }
        func post(_ key: String) async throws -> TestResponse {
            try await TestHTTPClient.send(port: gateway.port, path: "/v1/orders",
                                          headers: [("Idempotency-Key", key), ("Content-Type", "application/json")], body: Array("{}".utf8))
        }
        // Twelve keys land on all three masters with near certainty (each
        // misses a given master with odds 2/3; all twelve, 0.8%).
        let names = (0..<12).map { "ck-\($0)" }
        for name in names { #expect(try await post(name).status == 201) }
        for name in names {
            let shown = try await keys("GET", name)
            #expect(shown.status == 200)
            let object = try GatewayFixture.object(shown)
            #expect(object["state"] as? String == "completed")
            #expect(object["fence"] as? Int == 1)
            #expect(try await keys("DELETE", name).status == 204)
            #expect(try await keys("GET", name).status == 404)
        }
        for name in names {
            let again = try await post(name)
            #expect(again.header("Idempotent-Replayed") == nil)
            #expect(upstream.ledger.executions(key: name) == 2)
            #expect(try GatewayFixture.object(try await keys("GET", name))["fence"] as? Int == 2)
        }
        await gateway.kill9()
        await upstream.stop()
        cluster.stop()
    }
}
