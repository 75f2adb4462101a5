import Testing

/// `/readyz` fails on an unreachable store only when that refuses requests:
/// with `on_unavailable: pass_through`, or with no idempotent route, every
/// replica going unready at once with Redis would turn a degraded service
/// into none. And the eviction warning is logged when it changes, not on
/// every probe.
@Suite(.serialized)
struct ReadinessTests {
    static let plainOnly = """
        routes:
          - name: plain
            match: { path_prefix: / }
            upstream: main
        """

    static let keyed = """
        routes:
          - name: orders
            match: { path_prefix: /v1/orders }
            upstream: main
            idempotency: { lock_ttl: 3s }
          - name: plain
            match: { path_prefix: / }
            upstream: main
        """

    @Test func passThroughStaysReadyWithoutTheStore() async throws {
        let f = try await GatewayFixture(routes: Self.keyed)
        // A second gateway on the same Redis, with on_unavailable: pass_through.
        let gateway = try await GatewayProcess(yaml: GatewayFixture.yaml(
            store: GatewayFixture.redisStore(port: f.redis.port, onUnavailable: "pass_through"),
            upstreamPort: f.upstream.port, routes: Self.keyed))
        #expect(try await TestHTTPClient.send(port: gateway.adminPort, method: "GET", path: "/readyz").status == 200)

        f.redis.stop()
        let rejecting = try await f.admin("/readyz")
        #expect(rejecting.status == 503)
        #expect(rejecting.text == "store unavailable\n")
        let tolerant = try await TestHTTPClient.send(port: gateway.adminPort, method: "GET", path: "/readyz")
        #expect(tolerant.status == 200)
        #expect(tolerant.text.contains("store unavailable; not required"))
        // And it does serve: the keyed request goes through unprotected.
        let served = try await TestHTTPClient.send(port: gateway.port, path: "/v1/orders", headers: [("Idempotency-Key", "k1")],
                                                   body: Array("{}".utf8))
        #expect(served.status == 201)
        await gateway.kill9()
        await f.shutdown()
    }

    @Test func noIdempotentRouteStaysReadyUntilAReloadAddsOne() async throws {
        let f = try await GatewayFixture(routes: Self.plainOnly)
        try await f.stopStoreAndExpectReady()

        // The store gates readiness from the reload that makes it needed.
        try f.gateway.rewriteConfig(ReloadTests.config(f, routes: Self.keyed))
        #expect(try await f.gateway.reload().status == 200)
        #expect(try await f.admin("/readyz").status == 503)
        await f.shutdown()
    }

    @Test func theEvictionWarningIsLoggedOncePerChange() async throws {
        let f = try await GatewayFixture(routes: Self.keyed)
        let redis = f.redisClient()
        defer { redis.shutdown() }
        let warning = "Redis can evict idempotency records"
        _ = try await redis.command(["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"])
        for _ in 0..<5 {
            let probe = try await f.admin("/readyz")
            #expect(probe.status == 200)
            #expect(probe.text.contains("warning:"))
        }
        #expect(f.gateway.logLines(containing: warning).count == 1)

        _ = try await redis.command(["CONFIG", "SET", "maxmemory-policy", "noeviction"])
        for _ in 0..<3 {
            #expect(try await f.admin("/readyz").text == "ready\n")
        }
        #expect(f.gateway.logLines(containing: "Redis eviction risk resolved").count == 1)

        _ = try await redis.command(["CONFIG", "SET", "maxmemory-policy", "volatile-lru"])
        for _ in 0..<3 { _ = try await f.admin("/readyz") }
        #expect(f.gateway.logLines(containing: warning).count == 2)
        #expect(f.gateway.logLines(containing: warning).last?.contains("volatile-lru") == true)
        await f.shutdown()
    }
}
