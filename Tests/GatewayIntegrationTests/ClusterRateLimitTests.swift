import ExampleUpstream
import Testing

/// `rate_limit` over a Redis Cluster: the budget and the record live in
/// different slots, so the store claims, spends, and releases the claim of
/// a refused request (`RateLimitedClaim.sequentially`) instead of folding
/// the budget into the claim script.
@Suite(.serialized)
struct ClusterRateLimitTests {
    /// 3 per minute: one request per 20 s.
    static let routes = RateLimitTests.limited(requests: 3)

    @Test func aLimitHoldsAcrossSlotsAndARefusedKeyIsLeftFree() async throws {
        let cluster = try await RedisClusterProcess.start()
        let upstream = try await ExampleUpstreamServer.start()
        let gateway = try await GatewayProcess(yaml: GatewayFixture.yaml(store: cluster.storeYAML(), upstreamPort: upstream.port,
                                                                         routes: Self.routes))
        var statuses: [Int] = []
        for index in 0..<5 {
            statuses.append(try await RateLimitTests.send(port: gateway.port, key: "c-\(index)").status)
        }
        #expect(statuses == [201, 201, 201, 429, 429])
        // The refused key was claimed and released: asked again, it is
        // refused by the limit, not answered 409 by a leftover claim.
        let again = try await RateLimitTests.send(port: gateway.port, key: "c-3")
        #expect(again.status == 429)
        #expect(["19", "20"].contains(again.header("Retry-After")))
        #expect(try await RateLimitTests.send(port: gateway.port, key: "c-0").header("Idempotent-Replayed") == "true")
        #expect(try await RateLimitTests.send(port: gateway.port, key: "c-9", who: "Bearer bob").status == 201)
        #expect(upstream.ledger.totalExecutions == 4)
        await gateway.kill9()
        await upstream.stop()
        cluster.stop()
    }
}
