import GatewayTestSupport
import Testing
@testable import GatewayCore

/// `mode: shadow`: the store is written as under `enforce`, but every
/// request is forwarded and what `enforce` would have done is an event.
@Suite struct RequestPipelineShadowTests {
    static func shadow(_ change: (inout IdempotencyPolicy) -> Void = { _ in }) -> IdempotencyPolicy {
        var policy = IdempotencyPolicy()
        policy.mode = .shadow
        change(&policy)
        return policy
    }

    @Test func aDuplicateExecutesAgainAndTheFirstRecordStays() async throws {
        let fixture = PipelineFixture(policy: Self.shadow())
        let first = await fixture.handle(charge())
        #expect(first.outcome == .executed)
        let second = await fixture.handle(charge())
        #expect(second.outcome == .shadowed)
        #expect(second.events == [.shadow(.replay)])
        #expect(!second.response.isReplay)
        #expect(second.response.status == 201)
        #expect(second.fence == nil)
        #expect(second.keyDigest == fixture.storeKey("key-1").digest)
        #expect(fixture.transport.callCount == 2)
        guard case .completed(_, let snapshot)? = await fixture.store.record(for: fixture.storeKey("key-1")) else {
            Issue.record("the first execution's record is gone")
            return
        }
        #expect(snapshot.status == 201)
        #expect(await fixture.store.fence(for: fixture.storeKey("key-1")) == 1)
    }

    @Test func wouldBe422sAnd400sAreForwarded() async throws {
        let fixture = PipelineFixture(policy: Self.shadow { $0.required = true })
        _ = await fixture.handle(charge())
        let mismatch = await fixture.handle(charge(body: #"{"amount":999}"#))
        #expect(mismatch.events == [.shadow(.mismatch)])
        #expect(mismatch.response.status == 201)
        let missing = await fixture.handle(charge(key: nil))
        #expect(missing.events == [.shadow(.missingKey)])
        #expect(missing.response.status == 201)
        let invalid = await fixture.handle(charge(key: String(repeating: "k", count: 300)))
        #expect(invalid.events == [.shadow(.invalidKey)])
        #expect(fixture.transport.callCount == 4)
    }

    /// The limit is its own setting: shadow mode does not turn it off, and a
    /// would-be replay, forwarded, still spends nothing.
    @Test func aRateLimitStillAppliesAndWouldBeReplaysDoNotSpend() async throws {
        let fixture = PipelineFixture(policy: Self.shadow())
        var route = fixture.route
        route.rateLimit = RateLimitPolicy(requests: 1, per: .seconds(10))
        #expect(await fixture.pipeline.handle(charge(key: "a"), route: route).outcome == .executed)
        let duplicate = await fixture.pipeline.handle(charge(key: "a"), route: route)
        #expect(duplicate.outcome == .shadowed)
        #expect(duplicate.response.status == 201)
        let fresh = await fixture.pipeline.handle(charge(key: "b"), route: route)
        #expect(fresh.response.status == 429)
        #expect(fixture.transport.callCount == 2)
    }

    @Test func aStoreThatIsDownDoesNotStopAShadowRoute() async throws {
        // on_unavailable is reject (the default), yet shadow forwards.
        let fixture = PipelineFixture(policy: Self.shadow(), store: FailingStore())
        let result = await fixture.handle(charge())
        #expect(result.response.status == 201)
        #expect(result.outcome == .storeUnavailable)
        #expect(fixture.transport.callCount == 1)
    }
}
