import GatewayTestSupport
import Testing
@testable import GatewayCore

/// What happens after the upstream call: stored or released, upstream
/// failures, large responses, scope, and a store that is down.
@Suite struct RequestPipelineSettleTests {
    // MARK: settle: what is stored

    @Test func serverErrorsAreNotStoredSoTheRetryExecutes() async {
        let transport = FakeTransport(script: [.response(UpstreamResponse(status: 500, headers: [], body: Array("boom".utf8)))])
        let fixture = PipelineFixture(transport: transport)
        let first = await fixture.handle(charge())
        #expect(first.response.status == 500)
        #expect(first.response.text == "boom")
        #expect(first.outcome == .notStored)
        #expect(await fixture.store.count == 0)
        let retry = await fixture.handle(charge())
        #expect(retry.response.status == 201)
        #expect(retry.outcome == .executed)
        #expect(fixture.transport.callCount == 2)
    }

    /// Every result is built in one place; what the log line and metrics
    /// read from it must fit the path: an upstream status and a duration
    /// only when the upstream was called, a fence only under a claim, and
    /// the key's digest whenever the request had a valid key.
    @Test func eachPathReportsWhatItDid() async {
        let transport = FakeTransport(script: [.response(UpstreamResponse(status: 500, headers: [], body: []))])
        let fixture = PipelineFixture(transport: transport)
        let digest = fixture.storeKey("key-1").digest

        let released = await fixture.handle(charge())
        #expect(released.outcome == .notStored)
        #expect(released.upstreamStatus == 500 && released.upstreamDuration != nil)
        #expect(released.fence == 1 && released.keyDigest == digest)

        let executed = await fixture.handle(charge())
        #expect(executed.outcome == .executed)
        #expect(executed.upstreamStatus == 201 && executed.upstreamDuration != nil)
        #expect(executed.fence == 2 && executed.keyDigest == digest)

        let replayed = await fixture.handle(charge())
        #expect(replayed.outcome == .replayed)
        #expect(replayed.upstreamStatus == nil && replayed.upstreamDuration == nil)
        #expect(replayed.fence == nil && replayed.keyDigest == digest)

        let mismatch = await fixture.handle(charge(body: #"{"amount":1}"#))
        #expect(mismatch.outcome == .mismatch)
        #expect(mismatch.upstreamStatus == nil && mismatch.upstreamDuration == nil && mismatch.fence == nil)
        #expect(mismatch.keyDigest == digest)

        let unkeyed = await fixture.handle(charge(key: nil))
        #expect(unkeyed.outcome == .passthrough)
        #expect(unkeyed.upstreamStatus == 201 && unkeyed.upstreamDuration != nil)
        #expect(unkeyed.fence == nil && unkeyed.keyDigest == nil)
        #expect(fixture.transport.callCount == 3)
    }

    @Test func clientErrorsAreStored() async {
        let fixture = PipelineFixture(transport: FakeTransport(status: 404, body: "no such customer"))
        _ = await fixture.handle(charge())
        fixture.transport.answer(.response(UpstreamResponse(status: 201, headers: [], body: [])))
        let retry = await fixture.handle(charge())
        #expect(retry.response.status == 404)
        #expect(retry.response.text == "no such customer")
        #expect(retry.outcome == .replayed)
        #expect(fixture.transport.callCount == 1)
    }

    @Test(arguments: [408, 409, 425, 429])
    func retryableRefusalsAreNeverStored(status: Int) async {
        var policy = IdempotencyPolicy()
        policy.storePolicy = StorePolicy(patterns: [.statusClass(2), .statusClass(4), .exact(status)])
        let transport = FakeTransport(script: [.response(UpstreamResponse(status: status, headers: [], body: []))])
        let fixture = PipelineFixture(policy: policy, transport: transport)
        let first = await fixture.handle(charge())
        #expect(first.response.status == status)
        #expect(first.outcome == .notStored)
        let retry = await fixture.handle(charge())
        #expect(retry.outcome == .executed)
        #expect(fixture.transport.callCount == 2)
    }

    @Test func explicitStoreStatusesAreHonoured() async {
        var policy = IdempotencyPolicy()
        policy.storePolicy = StorePolicy(patterns: [.exact(201)])
        let fixture = PipelineFixture(policy: policy, transport: FakeTransport(status: 200, body: "ok"))
        #expect(await fixture.handle(charge()).outcome == .notStored)
        #expect(await fixture.handle(charge()).outcome == .notStored)
        #expect(fixture.transport.callCount == 2)
        fixture.transport.answer(.response(UpstreamResponse(status: 201, headers: [], body: Array("made".utf8))))
        #expect(await fixture.handle(charge()).outcome == .executed)
        let replay = await fixture.handle(charge())
        #expect(replay.outcome == .replayed)
        #expect(replay.response.text == "made")
        #expect(fixture.transport.callCount == 3)
    }

    // MARK: upstream failures

    @Test func connectFailureIs502AndReleasesTheKey() async throws {
        let transport = FakeTransport(script: [.failure(UpstreamFailure(.connect, "connection refused"))])
        let fixture = PipelineFixture(transport: transport)
        let first = await fixture.handle(charge())
        #expect(first.response.status == 502)
        #expect(first.outcome == .upstreamError)
        #expect(try slug(first.response) == "upstream-unreachable")
        #expect((try problem(first.response)["detail"] as? String)?.contains("payments") == true)
        #expect(first.events == [.upstreamFailure(.connect, message: "connection refused")])
        #expect(await fixture.store.count == 0)
        let retry = await fixture.handle(charge())
        #expect(retry.response.status == 201)
        #expect(retry.outcome == .executed)
        #expect(fixture.transport.callCount == 2)
    }

    @Test func timeoutIs504AndReleasesTheKey() async throws {
        let transport = FakeTransport(script: [.failure(UpstreamFailure(.timeout, "operation timed out"))])
        let fixture = PipelineFixture(transport: transport)
        let first = await fixture.handle(charge())
        #expect(first.response.status == 504)
        #expect(try slug(first.response) == "upstream-timeout")
        #expect(await fixture.store.count == 0)
        #expect(await fixture.handle(charge()).outcome == .executed)
        #expect(fixture.transport.callCount == 2)
    }

    @Test func protocolErrorIs502AndReleasesTheKey() async throws {
        let transport = FakeTransport(script: [.failure(UpstreamFailure(.protocolError, "connection reset"))])
        let fixture = PipelineFixture(transport: transport)
        let first = await fixture.handle(charge())
        #expect(first.response.status == 502)
        #expect(try slug(first.response) == "upstream-failed")
        #expect(await fixture.handle(charge()).outcome == .executed)
    }

    @Test func passThroughUpstreamFailureIsAProblem() async throws {
        let fixture = PipelineFixture(policy: nil, transport: FakeTransport(.failure(UpstreamFailure(.timeout, "slow"))))
        let result = await fixture.handle(charge())
        #expect(result.response.status == 504)
        #expect(result.outcome == .upstreamError)
    }

    // MARK: large responses

    @Test func aResponseOverTheStoredLimitReachesTheFirstClientButNotTheRetry() async throws {
        var settings = RequestPipeline.Settings()
        settings.maxStoredBody = 16
        let big = String(repeating: "x", count: 17)
        let fixture = PipelineFixture(settings: settings, transport: FakeTransport(status: 200, body: big))
        let first = await fixture.handle(charge())
        #expect(first.response.text == big)
        #expect(first.response.status == 200)
        #expect(first.outcome == .executed)

        let retry = await fixture.handle(charge())
        #expect(retry.response.status == 410)
        #expect(retry.outcome == .replayed)
        #expect(retry.response.isReplay)
        let body = try problem(retry.response)
        #expect(body["original_status"] as? Int == 200)
        #expect(try slug(retry.response) == "response-not-kept")
        #expect(fixture.transport.callCount == 1)
    }

    @Test func aResponseAtTheStoredLimitIsKept() async {
        var settings = RequestPipeline.Settings()
        settings.maxStoredBody = 16
        let exact = String(repeating: "y", count: 16)
        let fixture = PipelineFixture(settings: settings, transport: FakeTransport(status: 200, body: exact))
        _ = await fixture.handle(charge())
        let retry = await fixture.handle(charge())
        #expect(retry.response.status == 200)
        #expect(retry.response.text == exact)
    }

    // MARK: scope

    @Test func scopeHeadersSeparateKeys() async {
        var policy = IdempotencyPolicy()
        policy.scopeHeaders = ["Authorization"]
        let fixture = PipelineFixture(policy: policy)
        let a = charge(headers: [HeaderField(name: "Authorization", value: "Bearer A")])
        let b = charge(headers: [HeaderField(name: "Authorization", value: "Bearer B")])
        #expect(await fixture.handle(a).outcome == .executed)
        #expect(await fixture.handle(b).outcome == .executed)
        #expect(await fixture.handle(charge()).outcome == .executed)
        #expect(await fixture.handle(a).outcome == .replayed)
        #expect(await fixture.handle(b).outcome == .replayed)
        #expect(fixture.transport.callCount == 3)
        #expect(await fixture.store.count == 3)
    }

    @Test func aScopeHeaderNeverReachesTheStoreKey() async throws {
        var policy = IdempotencyPolicy()
        policy.scopeHeaders = ["Authorization"]
        let fixture = PipelineFixture(policy: policy)
        let result = await fixture.handle(charge(key: "visible-key", headers: [HeaderField(name: "Authorization", value: "Bearer secret-token")]))
        let digest = try #require(result.keyDigest)
        #expect(!digest.contains("secret-token"))
        #expect(!digest.contains("visible-key"))
        let key = fixture.storeKey("visible-key", scope: ["Bearer secret-token"])
        #expect(await fixture.store.record(for: key) != nil)
    }

    // MARK: store unavailable

    @Test func storeDownInRejectModeIs503AndNothingIsForwarded() async throws {
        let fixture = PipelineFixture(store: FailingStore())
        let result = await fixture.handle(charge())
        #expect(result.response.status == 503)
        #expect(result.outcome == .storeUnavailable)
        #expect(result.response.headers.values(named: "Retry-After") == ["1"])
        #expect(try slug(result.response) == "store-unavailable")
        #expect(result.events.count == 1)
        #expect(fixture.transport.callCount == 0)
    }

    @Test func storeDownInPassThroughModeForwards() async {
        var settings = RequestPipeline.Settings()
        settings.onUnavailable = .passThrough
        let store = FailingStore()
        let fixture = PipelineFixture(settings: settings, store: store)
        let first = await fixture.handle(charge())
        let second = await fixture.handle(charge())
        #expect(first.response.status == 201)
        #expect(first.response.text == "created")
        #expect(first.outcome == .storeUnavailable)
        #expect(first.keyDigest != nil)
        #expect(first.events.first == .storeError(operation: "claim", reason: "connection refused (test: claim)"))
        #expect(second.outcome == .storeUnavailable)
        #expect(fixture.transport.callCount == 2)
        #expect(store.failedCalls == [.claim, .claim])
    }

    @Test func completeFailuresAreRetriedAndTheClientStillGetsTheResponse() async {
        let memory = MemoryStore()
        let store = FailingStore(healthy: memory, failing: [.complete])
        let fixture = PipelineFixture(store: store)
        let result = await fixture.handle(charge())
        #expect(result.response.status == 201)
        #expect(result.response.text == "created")
        #expect(store.failedCalls == [.complete, .complete, .complete])
        let completeErrors = result.events.filter { event in
            if case .storeError(operation: "complete", _) = event { return true }
            return false
        }
        #expect(completeErrors.count == 3)
        // The claim stays until its lease runs out, so a retry meanwhile does not execute again.
        #expect(await fixture.pipeline.handle(charge(), route: fixture.route).response.status == 409)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func releaseFailureIsReportedAndTheClaimWaitsForItsLease() async {
        let memory = MemoryStore()
        let store = FailingStore(healthy: memory, failing: [.release])
        let fixture = PipelineFixture(transport: FakeTransport(status: 503, body: "busy"), store: store)
        let result = await fixture.handle(charge())
        #expect(result.response.status == 503)
        #expect(result.response.text == "busy")
        #expect(result.events == [.storeError(operation: "release", reason: "connection refused (test: release)")])
        #expect(await memory.count == 1)
    }
}
