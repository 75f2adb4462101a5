import GatewayTestSupport
import Testing
@testable import GatewayCore

/// `rate_limit` over a `MemoryStore`: only requests that would execute
/// spend, refused ones claim nothing, and `count: all` counts the rest.
@Suite struct RequestPipelineRateLimitTests {
    static func limited(_ fixture: PipelineFixture, requests: Int = 2, by: [String] = ["Authorization"],
                        count: RateLimitCount = .keyed) -> Route {
        var route = fixture.route
        route.rateLimit = RateLimitPolicy(requests: requests, per: .seconds(60), by: by, count: count)
        return route
    }

    static func alice(_ key: String?) -> GatewayRequest {
        charge(key: key, headers: [HeaderField(name: "Authorization", value: "Bearer alice")])
    }

    @Test func freshKeysPastTheLimitGet429WithRetryAfterAndClaimNothing() async throws {
        let fixture = PipelineFixture()
        let route = Self.limited(fixture)
        for key in ["a", "b"] {
            #expect(await fixture.pipeline.handle(Self.alice(key), route: route).outcome == .executed)
        }
        let refused = await fixture.pipeline.handle(Self.alice("c"), route: route)
        #expect(refused.outcome == .rateLimited)
        #expect(refused.response.status == 429)
        #expect(refused.response.headers.values(named: "Retry-After") == ["30"])
        #expect(refused.response.text.contains("tag:idempotency-gateway,2026:rate-limited"))
        #expect(fixture.transport.callCount == 2)
        #expect(await fixture.store.record(for: fixture.storeKey("c")) == nil)
        // Half the interval later, still refused, and told the rest.
        fixture.clock.advance(by: .seconds(15))
        let again = await fixture.pipeline.handle(Self.alice("c"), route: route)
        #expect(again.response.headers.values(named: "Retry-After") == ["15"])
        fixture.clock.advance(by: .seconds(15))
        #expect(await fixture.pipeline.handle(Self.alice("c"), route: route).outcome == .executed)
    }

    @Test func replaysConflictsAndMismatchesNeverSpend() async throws {
        let fixture = PipelineFixture()
        let route = Self.limited(fixture)
        #expect(await fixture.pipeline.handle(Self.alice("a"), route: route).outcome == .executed)
        for _ in 0..<5 {
            #expect(await fixture.pipeline.handle(Self.alice("a"), route: route).outcome == .replayed)
        }
        let reused = charge(key: "a", body: "{}", headers: [HeaderField(name: "Authorization", value: "Bearer alice")])
        #expect(await fixture.pipeline.handle(reused, route: route).outcome == .mismatch)
        // One execution spent: one more fresh key passes, the next does not.
        #expect(await fixture.pipeline.handle(Self.alice("b"), route: route).outcome == .executed)
        #expect(await fixture.pipeline.handle(Self.alice("c"), route: route).outcome == .rateLimited)
        // A replay is still served past the limit.
        #expect(await fixture.pipeline.handle(Self.alice("a"), route: route).outcome == .replayed)
    }

    @Test func principalsHaveTheirOwnBudgetsAndAMissingHeaderIsOneOfThem() async throws {
        let fixture = PipelineFixture()
        let route = Self.limited(fixture, requests: 1)
        #expect(await fixture.pipeline.handle(Self.alice("a"), route: route).outcome == .executed)
        #expect(await fixture.pipeline.handle(Self.alice("b"), route: route).outcome == .rateLimited)
        let bob = charge(key: "b", headers: [HeaderField(name: "Authorization", value: "Bearer bob")])
        #expect(await fixture.pipeline.handle(bob, route: route).outcome == .executed)
        #expect(await fixture.pipeline.handle(charge(key: "c"), route: route).outcome == .executed)
        #expect(await fixture.pipeline.handle(charge(key: "d"), route: route).outcome == .rateLimited)
        let empty = charge(key: "e", headers: [HeaderField(name: "Authorization", value: "")])
        #expect(await fixture.pipeline.handle(empty, route: route).outcome == .executed)
        #expect(await fixture.store.budgetCount == 4)
    }

    @Test func countKeyedLetsUnkeyedRequestsThroughAndCountAllCountsThem() async throws {
        let fixture = PipelineFixture()
        let keyed = Self.limited(fixture, requests: 1)
        for _ in 0..<3 {
            #expect(await fixture.pipeline.handle(Self.alice(nil), route: keyed).outcome == .passthrough)
        }
        let all = Self.limited(fixture, requests: 2, count: .all)
        #expect(await fixture.pipeline.handle(Self.alice(nil), route: all).outcome == .passthrough)
        let get = GatewayRequest(method: "GET", path: "/v1/charges", query: nil,
                                 headers: [HeaderField(name: "Authorization", value: "Bearer alice")], body: [], clientAddress: nil)
        #expect(await fixture.pipeline.handle(get, route: all).outcome == .passthrough)
        let refused = await fixture.pipeline.handle(Self.alice(nil), route: all)
        #expect(refused.outcome == .rateLimited)
        #expect(refused.response.status == 429)
        #expect(fixture.transport.callCount == 5)
    }

    @Test func aStoreThatIsDownFollowsOnUnavailable() async throws {
        var passThrough = RequestPipeline.Settings()
        passThrough.onUnavailable = .passThrough
        for settings in [RequestPipeline.Settings(), passThrough] {
            let fixture = PipelineFixture(settings: settings, store: FailingStore())
            let route = Self.limited(fixture, count: .all)
            let keyed = await fixture.pipeline.handle(Self.alice("a"), route: route)
            let unkeyed = await fixture.pipeline.handle(Self.alice(nil), route: route)
            if settings.onUnavailable == .passThrough {
                #expect(keyed.response.status == 201)
                #expect(unkeyed.response.status == 201)
                #expect(unkeyed.events.contains { if case .storeError("rate_limit", _) = $0 { true } else { false } })
            } else {
                #expect(keyed.response.status == 503)
                #expect(unkeyed.response.status == 503)
            }
        }
    }
}
