import Foundation
import Testing

/// Issue 14, item C, the upstream half, through the real gateway: what the
/// upstream receives is the base path of `upstreams.NAME.url` followed by the
/// request's path with no dot segment left in it, byte for byte otherwise
/// (libcurl's own rewriting is off).
@Suite(.serialized)
struct UpstreamPathTests {
    static let routes = """
        routes:
          - name: tenant
            match: { path_prefix: / }
            upstream: tenant
        """

    @Test(arguments: [
        ("/v1/orders", "/tenantA/api/v1/orders"),
        ("/p/../v1/orders", "/tenantA/api/v1/orders"),
        ("/v1/./orders/", "/tenantA/api/v1/orders/"),
        ("/v1/a%20b//c;x=1", "/tenantA/api/v1/a%20b//c;x=1"),
        ("/v1/orders?q=/../admin&x=%2e%2e", "/tenantA/api/v1/orders?q=/../admin&x=%2e%2e"),
    ])
    func upstreamReceivesBasePathPlusThePath(target: String, received: String) async throws {
        let upstream = try RawUpstream { _ in .ok() }
        defer { upstream.close() }
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: { _ in
            """
              tenant:
                url: "http://127.0.0.1:\(upstream.port)/tenantA/api"
            """
        })
        let response = try await TestHTTPClient.send(port: f.port, method: "GET", path: target)
        #expect(response.status == 200)
        #expect(upstream.requests.map(\.target) == [received])
        await f.shutdown()
    }
}
