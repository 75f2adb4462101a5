import Testing

/// One path from route to upstream: the gateway removes dot segments before
/// routing and sends exactly the path it routed on, and refuses what could
/// be read two ways, so no request runs under another route's rules or
/// above its upstream's base path.
@Suite(.serialized)
struct PathNormalisationTests {
    static let routes = GatewayFixture.defaultRoutes.replacingOccurrences(of: "routes:\n", with: """
        routes:
          - name: tenant
            match: { path_prefix: /t }
            upstream: tenant

        """)

    static func tenantUpstream(port: Int) -> String {
        """
          tenant:
            url: "http://127.0.0.1:\(port)/tenantA/api"
            timeout: 2s
            connect_timeout: 1s
        """
    }

    @Test func dotSegmentsNoLongerBypassTheRequiredKeyRoute() async throws {
        let f = try await GatewayFixture()
        let unkeyed = try await f.post("/v1/charges/../orders", key: nil)
        #expect(unkeyed.status == 400)
        #expect(unkeyed.text.contains("missing-idempotency-key"))
        #expect(f.ledger.totalExecutions == 0)

        let keyed = try await f.post("/v1/charges/../orders", key: "dots-1")
        #expect(keyed.status == 201)
        #expect(f.ledger.requests.map(\.uri) == ["/v1/orders"])
        // The fingerprint is the normalised path's: the plain path replays.
        let replay = try await f.post("/v1/orders", key: "dots-1")
        #expect(replay.status == 201)
        #expect(replay.header("Idempotent-Replayed") == "true")
        #expect(f.ledger.executions(key: "dots-1") == 1)
        await f.shutdown()
    }

    @Test func aTargetClimbingAboveTheRootGets400AndNothingRuns() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: Self.tenantUpstream)
        for target in ["/v1/../../admin", "/t/a/../../../admin/secret", "/t/%2e%2e/%2e%2e/admin", "/t/..%2Fadmin"] {
            let (response, closed) = try await TestHTTPClient.sendRaw(
                port: f.port, bytes: Array("POST \(target) HTTP/1.1\r\nHost: gw\r\nIdempotency-Key: climb\r\nContent-Length: 2\r\n\r\n{}".utf8),
                closeWithin: .milliseconds(500))
            #expect(response.status == 400, "\(target)")
            #expect(response.text.contains("bad-request"))
            #expect(closed)
        }
        #expect(f.ledger.totalExecutions == 0)
        #expect(try await f.redisKeys().isEmpty)
        await f.shutdown()
    }

    @Test func theUpstreamGetsTheNormalisedPathBelowItsBasePath() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: Self.tenantUpstream)
        let response = try await TestHTTPClient.send(port: f.port, method: "GET", path: "/t/a/./b/../c?x=../y")
        #expect(response.status == 201)
        #expect(f.ledger.requests.map(\.uri) == ["/tenantA/api/t/a/c?x=../y"])
        await f.shutdown()
    }

    @Test func anAbsoluteFormTargetIsRoutedOnItsPath() async throws {
        let f = try await GatewayFixture()
        let (response, _) = try await TestHTTPClient.sendRaw(
            port: f.port,
            bytes: Array("POST http://api.example:8443/v1/orders HTTP/1.1\r\nIdempotency-Key: abs-1\r\nContent-Length: 2\r\n\r\n{}".utf8))
        #expect(response.status == 201)
        let request = try #require(f.ledger.requests.first)
        #expect(request.uri == "/v1/orders")
        #expect(request.header("X-Forwarded-Host") == "api.example:8443")
        #expect(f.ledger.executions(key: "abs-1") == 1)
        await f.shutdown()
    }
}
