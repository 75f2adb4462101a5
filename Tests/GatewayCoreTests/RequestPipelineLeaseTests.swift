import GatewayTestSupport
import Testing
@testable import GatewayCore

/// Lease renewal and fencing: a slow call keeps its key, a lost lease is
/// reported and never overwrites the new owner, and the upstream learns
/// each execution's fencing number.
@Suite struct RequestPipelineLeaseTests {
    private func policy(lockTTL: Duration) -> IdempotencyPolicy {
        var policy = IdempotencyPolicy()
        policy.lockTTL = lockTTL
        return policy
    }

    private func fences(_ transport: FakeTransport) -> [String] {
        transport.requests.flatMap { $0.headers.values(named: "Idempotency-Fence") }
    }

    @Test func everyExecutionCarriesAGrowingFence() async {
        let fixture = PipelineFixture(transport: FakeTransport(status: 503, body: "busy"))
        let failed = await fixture.handle(charge(headers: [HeaderField(name: "Idempotency-Fence", value: "999")]))
        #expect(failed.outcome == .notStored)
        #expect(failed.fence == 1)
        fixture.transport.answer(.response(UpstreamResponse(status: 201, headers: [], body: Array("created".utf8))))
        let retried = await fixture.handle(charge())
        #expect(retried.outcome == .executed)
        #expect(retried.fence == 2)
        // The client's own value never reaches the upstream; the gateway's does.
        #expect(fences(fixture.transport) == ["1", "2"])
        #expect(await fixture.handle(charge()).outcome == .replayed)
        #expect(fixture.transport.callCount == 2)
    }

    @Test func passThroughRequestsCarryNoFence() async {
        let fixture = PipelineFixture(policy: nil)
        _ = await fixture.handle(charge(headers: [HeaderField(name: "Idempotency-Fence", value: "7")]))
        #expect(fixture.transport.callCount == 1)
        #expect(fences(fixture.transport).isEmpty)
    }

    @Test func renewalKeepsASlowCallsKeyPastItsFirstLease() async throws {
        let ticker = RenewalTicker()
        let fixture = PipelineFixture(policy: policy(lockTTL: .seconds(30)),
                                      transport: FakeTransport(status: 201, body: "created", suspended: true), renewals: ticker)
        let first = Task { await fixture.handle(charge()) }
        #expect(await fixture.transport.waitForCalls(1))
        #expect(await ticker.waitForSleeps(1))

        fixture.clock.advance(by: .seconds(25))
        ticker.tick()
        #expect(await ticker.waitForSleeps(2))   // the renewal ran and the next sleep began
        fixture.clock.advance(by: .seconds(25))

        // 50 s after the claim, past its first 30 s lease: still owned. The
        // probe goes to the store, not through the pipeline, so a broken
        // renewal fails this test instead of hanging it on the held transport.
        let probe = PendingClaim(fingerprint: Fingerprint.compute(method: "POST", path: "/v1/charges", query: nil,
                                                                  body: Array(#"{"amount":100}"#.utf8)))
        let held = try await fixture.store.claim(fixture.storeKey("key-1"), probe, lease: .seconds(30), ttl: .seconds(60))
        #expect(held == .inFlight(remainingLease: .seconds(5)))

        fixture.transport.resume()
        let original = await first.value
        #expect(original.outcome == .executed)
        #expect(!original.events.contains(.leaseLost))
        #expect(await fixture.handle(charge()).outcome == .replayed)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func aLostLeaseIsReportedAndNeverOverwritesTheNextOwner() async throws {
        let ticker = RenewalTicker()
        let replies: [FakeTransport.Reply] = ["first", "second"].map {
            .response(UpstreamResponse(status: 201, headers: [], body: Array($0.utf8)))
        }
        let transport = FakeTransport(script: replies, suspended: true)
        let fixture = PipelineFixture(policy: policy(lockTTL: .seconds(30)), transport: transport, renewals: ticker)
        let stale = Task { await fixture.handle(charge()) }
        #expect(await fixture.transport.waitForCalls(1))
        #expect(await ticker.waitForSleeps(1))

        // The owner stalls past its lease (a paused process): a retry takes the key.
        fixture.clock.advance(by: .seconds(31))
        let next = Task { await fixture.handle(charge()) }
        #expect(await fixture.transport.waitForCalls(2))

        ticker.tick()   // the stale owner's renewal is due: it learns it lost the key
        fixture.transport.resume()
        let staleResult = await stale.value
        let nextResult = await next.value
        #expect(staleResult.fence == 1)
        #expect(nextResult.fence == 2)
        #expect(staleResult.events.contains(.leaseLost))
        #expect(!nextResult.events.contains(.leaseLost))
        #expect(fences(fixture.transport) == ["1", "2"])
        // The record is the new owner's: the stale completion was refused.
        let record = await fixture.store.record(for: fixture.storeKey("key-1"))
        guard case .completed(_, let snapshot) = record else {
            Issue.record("expected a completed record, got \(String(describing: record))")
            return
        }
        #expect(staleResult.response.text == "first")
        #expect(nextResult.response.text == "second")
        #expect(snapshot.body == Array("second".utf8))
    }
}
