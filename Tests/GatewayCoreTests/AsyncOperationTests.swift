import GatewayTestSupport
import Testing
@testable import GatewayCore

/// `idempotency.async` over a `MemoryStore` and a `FakeTransport`, on real
/// time: the upstream call races the `after` timer.
@Suite struct AsyncOperationTests {
    private static func policy(after: Duration) -> IdempotencyPolicy {
        var policy = IdempotencyPolicy()
        policy.scopeHeaders = ["Authorization"]
        policy.asyncAfter = after
        return policy
    }

    private static func fixture(after: Duration, transport: FakeTransport) -> PipelineFixture {
        PipelineFixture(policy: policy(after: after), transport: transport, sleep: { _, duration in
            try? await Task.sleep(for: duration)
        })
    }

    private static func request(tenant: String, key: String = "job-1") -> GatewayRequest {
        charge(key: key, headers: [HeaderField(name: "Authorization", value: tenant)])
    }

    private static func poll(_ fixture: PipelineFixture, _ location: String, tenant: String?) async -> PipelineResult {
        let headers = tenant.map { [HeaderField(name: "Authorization", value: $0)] } ?? []
        let request = GatewayRequest(method: "GET", path: location, query: nil, headers: headers, body: [])
        let id = location.dropFirst(RequestPipeline.operationsPath.count)
        return await fixture.pipeline.poll(id, request: request, routes: RouteTable([fixture.route])).result
    }

    /// Polls as tenant `Bearer a` until the answer is no longer 202 (the
    /// call settles in its own task), for up to 5 s.
    private static func pollUntilSettled(_ fixture: PipelineFixture, _ location: String) async throws -> PipelineResult {
        let deadline = ContinuousClock.now + .seconds(5)
        var answer = await poll(fixture, location, tenant: "Bearer a")
        while answer.response.status == 202, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
            answer = await poll(fixture, location, tenant: "Bearer a")
        }
        return answer
    }

    @Test func aCallSlowerThanAfterIsAnOperationThatPollsToItsStoredResponse() async throws {
        let fixture = Self.fixture(after: .milliseconds(50), transport: FakeTransport(status: 201, body: "created", suspended: true))
        let accepted = await fixture.handle(Self.request(tenant: "Bearer a"))
        #expect(accepted.response.status == 202)
        #expect(accepted.outcome == .accepted)
        #expect(accepted.events == [.operation(.started)])
        let location = try #require(accepted.response.headers.values(named: "Location").first)
        #expect(location.hasPrefix("/_operations/"))
        #expect(location.count == "/_operations/".count + 32)
        #expect(accepted.response.headers.values(named: "Retry-After") == ["1"])
        let id = location.dropFirst("/_operations/".count)
        #expect(accepted.response.text == #"{"operation":"\#(id)","state":"running"}"#)

        let running = await Self.poll(fixture, location, tenant: "Bearer a")
        #expect(running.response.status == 202)
        #expect(running.response.text == accepted.response.text)
        let retry = await fixture.handle(Self.request(tenant: "Bearer a"))
        #expect(retry.response.status == 202)
        #expect(retry.response.headers.values(named: "Location") == [location])
        #expect(await Self.poll(fixture, location, tenant: "Bearer b").response.status == 404)
        #expect(await Self.poll(fixture, location, tenant: nil).response.status == 404)
        #expect(await Self.poll(fixture, "/_operations/" + String(repeating: "0", count: 32), tenant: "Bearer a").response.status == 404)
        #expect(await Self.poll(fixture, "/_operations/nonsense", tenant: "Bearer a").response.status == 404)

        fixture.transport.resume()
        let done = try await Self.pollUntilSettled(fixture, location)
        #expect(done.response.status == 201)
        #expect(done.response.text == "created")
        #expect(done.response.isReplay)
        #expect(done.outcome == .replayed)
        #expect(await fixture.handle(Self.request(tenant: "Bearer a")).response.isReplay)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func aCallWithinAfterIsAnsweredAsOnAnyRoute() async {
        let fixture = Self.fixture(after: .seconds(5), transport: FakeTransport(status: 201, body: "created"))
        let answer = await fixture.handle(Self.request(tenant: "Bearer a"))
        #expect(answer.response.status == 201)
        #expect(answer.outcome == .executed)
        #expect(answer.response.headers.values(named: "Location").isEmpty)
        #expect(fixture.transport.callCount == 1)
    }

    /// The pending claim names the operation, but the lease expired with no
    /// record: the gateway that ran it is gone.
    @Test func anOperationWhoseLeaseExpiredIsLost() async throws {
        let fixture = Self.fixture(after: .milliseconds(20), transport: FakeTransport(status: 201, body: "created", suspended: true))
        let accepted = await fixture.handle(Self.request(tenant: "Bearer a"))
        let location = try #require(accepted.response.headers.values(named: "Location").first)
        fixture.clock.advance(by: IdempotencyPolicy().lockTTL + .seconds(1))
        let lost = await Self.poll(fixture, location, tenant: "Bearer a")
        #expect(lost.response.status == 502)
        #expect(lost.outcome == .operationLost)
        #expect(lost.events == [.operation(.lost)])
        #expect(lost.response.text.contains("tag:idempotency-gateway,2026:operation-lost"))
        fixture.transport.resume()
    }

    /// A status the route does not store releases the key, so the operation
    /// keeps that answer itself, and a retry executes again.
    @Test func aSettledButUnstoredAnswerIsWhatThePollGets() async throws {
        let fixture = Self.fixture(after: .milliseconds(20), transport: FakeTransport(status: 500, body: "boom", suspended: true))
        let accepted = await fixture.handle(Self.request(tenant: "Bearer a"))
        let location = try #require(accepted.response.headers.values(named: "Location").first)
        fixture.transport.resume()
        let answer = try await Self.pollUntilSettled(fixture, location)
        #expect(answer.response.status == 500)
        #expect(answer.response.text == "boom")
        #expect(answer.response.isReplay)
        fixture.transport.answer(.response(UpstreamResponse(status: 201, headers: [], body: Array("created".utf8))))
        #expect(await fixture.handle(Self.request(tenant: "Bearer a")).response.status == 201)
        #expect(fixture.transport.callCount == 2)
    }

    /// Without a published operation there is nothing to poll, so no 202;
    /// the call still runs and settles, and a retry gets its answer.
    @Test func aStoreThatCannotPublishGets503WhileTheCallStillSettles() async throws {
        let transport = FakeTransport(status: 201, body: "created", suspended: true)
        let memory = MemoryStore()
        let store = FailingStore(healthy: memory, failing: [.publishOperation])
        let fixture = PipelineFixture(policy: Self.policy(after: .milliseconds(20)), transport: transport, store: store,
                                      sleep: { _, duration in try? await Task.sleep(for: duration) })
        let refused = await fixture.handle(Self.request(tenant: "Bearer a"))
        #expect(refused.response.status == 503)
        #expect(refused.outcome == .storeUnavailable)
        #expect(refused.response.headers.values(named: "Location").isEmpty)
        #expect(store.failedCalls == [.publishOperation])
        transport.resume()
        var retry = await fixture.handle(Self.request(tenant: "Bearer a"))
        let deadline = ContinuousClock.now + .seconds(5)
        while !retry.response.isReplay, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
            retry = await fixture.handle(Self.request(tenant: "Bearer a"))
        }
        #expect(retry.response.status == 201)
        #expect(retry.response.isReplay)
        #expect(transport.callCount == 1)
    }

    @Test func operationIDsAreRandomHexAndParseBack() throws {
        let ids = (0..<64).map { _ in OperationID.random() }
        #expect(Set(ids).count == 64)
        for id in ids {
            #expect(id.text.count == 32)
            #expect(OperationID(text: Substring(id.text)) == id)
        }
        #expect(OperationID(text: "ABCDEF00000000000000000000000000") == nil)
        #expect(OperationID(text: "0000") == nil)
    }

    @Test func aPendingClaimWithAnOperationRoundTrips() throws {
        let claim = PendingClaim(fingerprint: Fingerprint(bytes: Array(repeating: 7, count: 32)), operation: .random())
        let decoded = try #require(IdempotencyRecord.decode(IdempotencyRecord.pending(claim).encoded()))
        #expect(decoded == .pending(claim))
        let record = OperationRecord(storeKey: "idem:jobs:{ab}", route: "jobs", scope: "cd", fingerprint: claim.fingerprint,
                                     state: .answered(Snapshot(status: 500, headers: [HeaderField(name: "A", value: "b")], body: [1, 2])))
        #expect(OperationRecord.decode(record.encoded()) == record)
    }
}
