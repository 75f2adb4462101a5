import GatewayTestSupport
import Testing
@testable import GatewayCore

/// Requests that share a key while one of them is still in flight.
@Suite struct RequestPipelineConflictTests {
    private func waitPolicy(timeout: Duration) -> IdempotencyPolicy {
        var policy = IdempotencyPolicy()
        policy.onConflict = .wait
        policy.waitTimeout = timeout
        return policy
    }

    @Test func aDuplicateWhileInFlightGets409WithRetryAfter() async throws {
        let fixture = PipelineFixture(transport: FakeTransport(status: 201, body: "created", suspended: true))
        let first = Task { await fixture.handle(charge()) }
        #expect(await fixture.transport.waitForCalls(1))

        let duplicate = await fixture.handle(charge())
        #expect(duplicate.response.status == 409)
        #expect(duplicate.outcome == .conflict)
        let retryAfter = try #require(duplicate.response.headers.values(named: "Retry-After").first.flatMap { Int($0) })
        #expect(retryAfter >= 1)
        #expect(duplicate.response.headers.values(named: "Content-Type") == ["application/problem+json"])
        #expect(String(decoding: duplicate.response.body, as: UTF8.self).contains("request-in-flight"))

        fixture.transport.resume()
        let original = await first.value
        #expect(original.response.status == 201)
        #expect(original.outcome == .executed)
        #expect(await fixture.handle(charge()).outcome == .replayed)
        #expect(fixture.transport.callCount == 1)
    }

    /// Retry-After tells the client when the holder's lease runs out, the
    /// earliest the key can be settled or free: the store's lease left,
    /// rounded up to whole seconds, at least 1. Not a constant.
    @Test func theRetryAfterOfA409IsTheLeaseLeftRoundedUp() async {
        var policy = IdempotencyPolicy()
        policy.lockTTL = .seconds(10)
        let fixture = PipelineFixture(policy: policy, transport: FakeTransport(status: 201, body: "created", suspended: true))
        let first = Task { await fixture.handle(charge()) }
        #expect(await fixture.transport.waitForCalls(1))
        func retryAfter() async -> [String] {
            let duplicate = await fixture.handle(charge())
            #expect(duplicate.response.status == 409)
            return duplicate.response.headers.values(named: "Retry-After")
        }
        #expect(await retryAfter() == ["10"])
        fixture.clock.advance(by: .milliseconds(2500))
        #expect(await retryAfter() == ["8"])
        fixture.clock.advance(by: .milliseconds(6400))
        #expect(await retryAfter() == ["2"])
        fixture.clock.advance(by: .milliseconds(1000))   // 100 ms left
        #expect(await retryAfter() == ["1"])

        fixture.transport.resume()
        #expect(await first.value.outcome == .executed)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func aDifferentRequestWhileInFlightGets422() async {
        let fixture = PipelineFixture(transport: FakeTransport(status: 201, body: "created", suspended: true))
        let first = Task { await fixture.handle(charge()) }
        #expect(await fixture.transport.waitForCalls(1))
        let other = await fixture.handle(charge(body: #"{"amount":5}"#))
        #expect(other.response.status == 422)
        fixture.transport.resume()
        _ = await first.value
        #expect(fixture.transport.callCount == 1)
    }

    @Test func inWaitModeTheDuplicateGetsTheReplayOnceTheFirstCompletes() async {
        let transport = FakeTransport(status: 201, body: "created", suspended: true)
        let (fixture, pipeline, polls) = PipelineFixture.realTime(policy: waitPolicy(timeout: .seconds(10)), transport: transport)
        let first = Task { await pipeline.handle(charge(), route: fixture.route) }
        #expect(await transport.waitForCalls(1))
        let duplicate = Task { await pipeline.handle(charge(), route: fixture.route) }
        #expect(await polls.waitForCount(1))   // the duplicate is polling
        transport.resume()

        let original = await first.value
        let waited = await duplicate.value
        #expect(original.outcome == .executed)
        #expect(waited.outcome == .waited)
        #expect(waited.response.status == 201)
        #expect(waited.response.text == "created")
        #expect(waited.response.isReplay)
        #expect(transport.callCount == 1)
    }

    @Test func inWaitModeTheDuplicateGets409AfterTheWaitTimeout() async throws {
        let transport = FakeTransport(status: 201, body: "created", suspended: true)
        let (fixture, pipeline, _) = PipelineFixture.realTime(policy: waitPolicy(timeout: .milliseconds(100)), transport: transport)
        let first = Task { await pipeline.handle(charge(), route: fixture.route) }
        #expect(await transport.waitForCalls(1))

        let started = ContinuousClock.now
        let duplicate = await pipeline.handle(charge(), route: fixture.route)
        let elapsed = ContinuousClock.now - started
        #expect(duplicate.response.status == 409)
        #expect(duplicate.outcome == .conflict)
        #expect(duplicate.response.headers.values(named: "Retry-After").count == 1)
        #expect(elapsed >= .milliseconds(100))
        #expect(elapsed < .seconds(3))

        transport.resume()
        _ = await first.value
        #expect(transport.callCount == 1)
    }

    @Test func waitPollsWithGrowingPausesUpToTheTimeout() async throws {
        let pauses = LockedList<Duration>()
        var settings = RequestPipeline.Settings()
        settings.firstPoll = .milliseconds(5)
        settings.longestPoll = .milliseconds(100)
        let fixture = PipelineFixture(
            policy: waitPolicy(timeout: .milliseconds(400)), settings: settings,
            transport: FakeTransport(status: 201, body: "created", suspended: true),
            sleep: { clock, pause in
                pauses.append(pause)
                clock.advance(by: pause)
            })
        let first = Task { await fixture.handle(charge()) }
        #expect(await fixture.transport.waitForCalls(1))

        let duplicate = await fixture.handle(charge())
        #expect(duplicate.response.status == 409)
        let slept = pauses.elements
        #expect(slept == [5, 10, 20, 40, 80, 100, 100, 45].map { Duration.milliseconds($0) })
        #expect(slept.reduce(.zero, +) == .milliseconds(400))

        fixture.transport.resume()
        _ = await first.value
    }

    @Test func aWaiterTakesOverWhenTheFirstOwnersLeaseRunsOut() async throws {
        // A gateway claimed the key and died: nothing will ever settle it.
        var policy = waitPolicy(timeout: .seconds(30))
        policy.lockTTL = .seconds(2)
        let fixture = PipelineFixture(policy: policy)
        let request = charge()
        let print = Fingerprint.compute(method: request.method, path: request.path, query: request.query, body: request.body)
        _ = try await fixture.store.claim(fixture.storeKey("key-1"), PendingClaim(fingerprint: print), lease: .seconds(2), ttl: .seconds(60))

        let result = await fixture.handle(request)
        #expect(result.outcome == .executed)
        #expect(result.response.status == 201)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func aWaiterExecutesItselfWhenTheFirstResultIsNotStored() async {
        let transport = FakeTransport(script: [.response(UpstreamResponse(status: 503, headers: [], body: Array("busy".utf8)))],
                                      suspended: true)
        let (fixture, pipeline, polls) = PipelineFixture.realTime(policy: waitPolicy(timeout: .seconds(10)), transport: transport)
        let first = Task { await pipeline.handle(charge(), route: fixture.route) }
        #expect(await transport.waitForCalls(1))
        let duplicate = Task { await pipeline.handle(charge(), route: fixture.route) }
        #expect(await polls.waitForCount(1))
        transport.resume()
        #expect(await first.value.response.status == 503)
        let second = await duplicate.value
        #expect(second.response.status == 201)
        #expect(second.outcome == .executed)
        #expect(transport.callCount == 2)
    }

    @Test func leaseLostWhileInFlightIsReportedAndTheNewOwnerWins() async {
        var policy = IdempotencyPolicy()
        policy.lockTTL = .seconds(5)
        let transport = FakeTransport(script: [.response(UpstreamResponse(status: 201, headers: [], body: Array("first".utf8))),
                                               .response(UpstreamResponse(status: 201, headers: [], body: Array("second".utf8)))],
                                      suspended: true)
        let fixture = PipelineFixture(policy: policy, transport: transport)
        let slow = Task { await fixture.handle(charge()) }
        #expect(await transport.waitForCalls(1))
        fixture.clock.advance(by: .seconds(6))
        let takeover = Task { await fixture.handle(charge()) }
        #expect(await transport.waitForCalls(2))
        transport.resume()

        let slowResult = await slow.value
        let takeoverResult = await takeover.value
        #expect(slowResult.response.text == "first")
        #expect(slowResult.events == [.leaseLost])
        #expect(takeoverResult.response.text == "second")
        #expect(takeoverResult.events == [.stored(bytes: 6)])
        let replay = await fixture.handle(charge())
        #expect(replay.response.text == "second")
    }

    @Test func sixtyFourConcurrentDuplicatesExecuteOnce() async {
        let fixture = PipelineFixture()
        let results = await withTaskGroup(of: PipelineResult.self) { group in
            for _ in 0..<64 {
                group.addTask { await fixture.handle(charge()) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 64)
        #expect(fixture.transport.callCount == 1)
        #expect(results.filter { $0.outcome == .executed }.count == 1)
        for result in results {
            let isBody = result.response.status == 201 && result.response.text == "created"
            let isConflict = result.response.status == 409 && result.outcome == .conflict
            #expect(isBody || isConflict, "unexpected \(result.response.status) \(result.outcome)")
        }
    }

    @Test func sixtyFourConcurrentDuplicatesHeldInFlightGetOneExecutionAnd63Conflicts() async {
        let fixture = PipelineFixture(transport: FakeTransport(status: 201, body: "created", suspended: true))
        let first = Task { await fixture.handle(charge()) }
        #expect(await fixture.transport.waitForCalls(1))
        let results = await withTaskGroup(of: PipelineResult.self) { group in
            for _ in 0..<63 {
                group.addTask { await fixture.handle(charge()) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        fixture.transport.resume()
        #expect(await first.value.outcome == .executed)
        #expect(results.allSatisfy { $0.response.status == 409 })
        #expect(fixture.transport.callCount == 1)
    }

    @Test func sixtyFourConcurrentWaitersAllGetTheOneResult() async {
        let transport = FakeTransport(status: 201, body: "created", suspended: true)
        let (fixture, pipeline, polls) = PipelineFixture.realTime(policy: waitPolicy(timeout: .seconds(10)), transport: transport)
        let results = await withTaskGroup(of: PipelineResult.self) { group in
            for _ in 0..<64 {
                group.addTask { await pipeline.handle(charge(), route: fixture.route) }
            }
            group.addTask {
                _ = await transport.waitForCalls(1)
                // Each waiter's first pause is `firstPoll`: 63 of them means every other request is waiting.
                _ = await polls.waitForCount(63, matching: { $0 == RequestPipeline.Settings().firstPoll })
                transport.resume()
                return PipelineResult(response: GatewayResponse(status: 0, headers: [], body: []), outcome: .rejected)
            }
            return await group.reduce(into: []) { $0.append($1) }.filter { $0.outcome != .rejected }
        }
        #expect(results.count == 64)
        #expect(transport.callCount == 1)
        #expect(results.allSatisfy { $0.response.status == 201 && $0.response.text == "created" })
        #expect(results.filter { $0.outcome == .executed }.count == 1)
        #expect(results.filter { $0.outcome == .waited }.count == 63)
    }
}
