import GatewayTestSupport
import Testing
@testable import GatewayCore

/// `on_ambiguous`: a call that failed after sending is held (stored as
/// `502 outcome-unknown`, replayed to every retry) or released (the retry
/// executes with a larger fence); a call that provably was not sent is
/// always released.
@Suite struct AmbiguousOutcomeTests {
    private func policy(_ mode: AmbiguousOutcomeMode) -> IdempotencyPolicy {
        var policy = IdempotencyPolicy()
        policy.onAmbiguous = mode
        return policy
    }

    private func fences(_ transport: FakeTransport) -> [String] {
        transport.requests.flatMap { $0.headers.values(named: "Idempotency-Fence") }
    }

    @Test(arguments: [(UpstreamFailure.Kind.timeout, AmbiguousCause.timeout), (.protocolError, .protocolError)])
    func holdStoresOutcomeUnknownAndRetriesReplayIt(kind: UpstreamFailure.Kind, cause: AmbiguousCause) async throws {
        let transport = FakeTransport(.failure(UpstreamFailure(kind, "upstream went quiet")))
        let fixture = PipelineFixture(policy: policy(.hold), transport: transport)

        let first = await fixture.handle(charge())
        #expect(first.response.status == 502)
        #expect(try slug(first.response) == "outcome-unknown")
        #expect(try problem(first.response)["cause"] as? String == cause.rawValue)
        #expect(!first.response.isReplay)
        #expect(first.outcome == .upstreamError)
        #expect(first.events.contains(.ambiguousOutcome(cause, held: true)))
        #expect(first.events.contains(.stored(bytes: first.response.body.count)))

        // The upstream recovers; the key must not run again.
        transport.answer(.response(UpstreamResponse(status: 201, headers: [], body: Array("created".utf8))))
        for _ in 0..<3 {
            let retry = await fixture.handle(charge())
            #expect(retry.outcome == .replayed)
            #expect(retry.response.status == 502)
            #expect(retry.response.isReplay)
            #expect(retry.response.body == first.response.body)
        }
        #expect(transport.callCount == 1)
        guard case .completed(_, let snapshot)? = await fixture.store.record(for: fixture.storeKey("key-1")) else {
            Issue.record("no completed record for the held key")
            return
        }
        #expect(snapshot.status == 502)
    }

    @Test func holdKeepsTheAnswerForTTLOnly() async throws {
        var held = policy(.hold)
        held.ttl = .seconds(60)
        let transport = FakeTransport(.failure(UpstreamFailure(.timeout, "no answer")))
        let fixture = PipelineFixture(policy: held, transport: transport)
        _ = await fixture.handle(charge())
        fixture.clock.advance(by: .seconds(61))
        transport.answer(.response(UpstreamResponse(status: 201, headers: [], body: [])))
        let later = await fixture.handle(charge())
        #expect(later.outcome == .executed)
        #expect(later.response.status == 201)
        #expect(transport.callCount == 2)
    }

    @Test func releaseLetsTheRetryExecuteWithALargerFence() async throws {
        let transport = FakeTransport(.failure(UpstreamFailure(.timeout, "no answer")))
        let fixture = PipelineFixture(policy: policy(.release), transport: transport)
        let first = await fixture.handle(charge())
        #expect(first.response.status == 504)
        #expect(try slug(first.response) == "upstream-timeout")
        #expect(first.events.contains(.ambiguousOutcome(.timeout, held: false)))
        #expect(await fixture.store.record(for: fixture.storeKey("key-1")) == nil)

        transport.answer(.response(UpstreamResponse(status: 201, headers: [], body: [])))
        let retry = await fixture.handle(charge())
        #expect(retry.outcome == .executed)
        #expect(transport.callCount == 2)
        #expect(fences(transport) == ["1", "2"])
    }

    @Test func releaseIsTheDefault() {
        #expect(IdempotencyPolicy().onAmbiguous == .release)
    }

    @Test func aConnectFailureIsReleasedEvenUnderHold() async throws {
        let transport = FakeTransport(.failure(UpstreamFailure(.connect, "connection refused")))
        let fixture = PipelineFixture(policy: policy(.hold), transport: transport)
        let first = await fixture.handle(charge())
        #expect(first.response.status == 502)
        #expect(try slug(first.response) == "upstream-unreachable")
        #expect(!first.events.contains { if case .ambiguousOutcome = $0 { true } else { false } })
        #expect(await fixture.store.record(for: fixture.storeKey("key-1")) == nil)

        transport.answer(.response(UpstreamResponse(status: 201, headers: [], body: [])))
        let retry = await fixture.handle(charge())
        #expect(retry.outcome == .executed)
        #expect(fences(transport) == ["1", "2"])
    }

    @Test func aRefusalByTheGuardIsReleasedEvenUnderHold() async throws {
        var upstream = PipelineFixture.upstream
        upstream.maxInFlight = 1
        let transport = FakeTransport(suspended: true)
        let clock = ManualClock()
        let store = MemoryStore(now: clock.nowFunction)
        let route = Route(name: "charges", match: RouteMatch(path: .prefix("/v1/charges")), upstream: upstream, idempotency: policy(.hold))
        let pipeline = RequestPipeline(store: store, transport: transport,
                                       guards: [upstream.name: UpstreamGuard(settings: upstream, breaker: nil)], now: clock.nowFunction)
        let busy = Task { await pipeline.handle(charge(key: "busy"), route: route) }
        #expect(await transport.waitForCalls(1))
        let refused = await pipeline.handle(charge(key: "refused"), route: route)
        #expect(refused.response.status == 503)
        #expect(try slug(refused.response) == "upstream-overloaded")
        let key = StoreKey(prefix: "idem", route: "charges", scope: [], key: try IdempotencyKey.parse("refused").get())
        #expect(await store.record(for: key) == nil)
        transport.resume()
        _ = await busy.value
    }

    @Test func aCorruptRecordIsA500NotStoreUnavailable() async throws {
        let transport = FakeTransport()
        let fixture = PipelineFixture(transport: transport, store: CorruptStore())
        let result = await fixture.handle(charge())
        #expect(result.response.status == 500)
        #expect(try slug(result.response) == "record-corrupt")
        #expect(result.outcome == .recordCorrupt)
        #expect(result.events == [.recordCorrupt(bytes: 7)])
        #expect(result.keyDigest == fixture.storeKey("key-1").digest)
        #expect(transport.callCount == 0)
    }

    @Test func aCorruptRecordIsNotForwardedEvenWithPassThrough() async throws {
        let transport = FakeTransport()
        var settings = RequestPipeline.Settings()
        settings.onUnavailable = .passThrough
        let fixture = PipelineFixture(settings: settings, transport: transport, store: CorruptStore())
        let result = await fixture.handle(charge())
        #expect(result.response.status == 500)
        #expect(transport.callCount == 0)
    }
}

/// A store whose every key holds 7 bytes that are no record.
private struct CorruptStore: IdempotencyStore {
    func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) async throws(StoreUnavailable) -> ClaimResult {
        .corrupt(bytes: 7)
    }
    func renew(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) async throws(StoreUnavailable) -> Bool { false }
    func complete(_ key: StoreKey, _ claim: PendingClaim, snapshot: Snapshot, ttl: Duration) async throws(StoreUnavailable) -> Bool { false }
    func release(_ key: StoreKey, _ claim: PendingClaim) async throws(StoreUnavailable) -> Bool { false }
    func ping() async throws(StoreUnavailable) {}
    func inspect(_ key: StoreKey) async throws(StoreUnavailable) -> KeyInspection? {
        KeyInspection(bytes: Array(repeating: 7, count: 7), remaining: .seconds(1), fence: nil)
    }
    func purge(_ key: StoreKey, force: Bool) async throws(StoreUnavailable) -> PurgeResult { .purged }
    func publishOperation(_ operation: OperationRecord, at key: String, ttl: Duration) async throws(StoreUnavailable) -> Bool { false }
    func finishOperation(_ operation: OperationRecord, at key: String, ttl: Duration) async throws(StoreUnavailable) {}
    func readOperation(at key: String) async throws(StoreUnavailable) -> OperationLookup? { nil }
}
