import Synchronization
import Testing
@testable import GatewayCore

@Suite struct CircuitBreakerTests {
    // MARK: Settings and state

    @Test func settingsDefaults() {
        let settings = CircuitBreakerSettings()
        #expect(settings.enabled)
        #expect(settings.failureRate == 0.5)
        #expect(settings.minimumCalls == 20)
        #expect(settings.window == 100)
        #expect(settings.openFor == .seconds(30))
        #expect(settings.halfOpenCalls == 5)
        #expect(settings.failureStatuses == [500, 502, 503, 504])
    }

    @Test(arguments: [500, 502, 503, 504])
    func defaultFailureStatusesAreFailures(status: Int) {
        #expect(CircuitBreakerSettings().isFailure(status: status))
    }

    @Test(arguments: [200, 201, 204, 301, 400, 404, 409, 422, 429, 501, 505])
    func otherStatusesAreNotFailures(status: Int) {
        #expect(!CircuitBreakerSettings().isFailure(status: status))
    }

    @Test func failureStatusesAreConfigurable() {
        var settings = CircuitBreakerSettings()
        settings.failureStatuses = [429, 503]
        #expect(settings.isFailure(status: 429))
        #expect(settings.isFailure(status: 503))
        #expect(!settings.isFailure(status: 500))
    }

    @Test func stateGaugeValuesAndLabels() {
        #expect(CircuitBreakerState.closed.gaugeValue == 0)
        #expect(CircuitBreakerState.open.gaugeValue == 1)
        #expect(CircuitBreakerState.halfOpen.gaugeValue == 2)
        #expect(CircuitBreakerState.closed.label == "closed")
        #expect(CircuitBreakerState.open.label == "open")
        #expect(CircuitBreakerState.halfOpen.label == "half_open")
    }

    // MARK: Closed

    @Test func newBreakerIsClosedAndAllows() {
        let breaker = CircuitBreaker(settings: CircuitBreakerSettings(), now: BreakerTestClock().now)
        #expect(breaker.state == .closed)
        #expect(breaker.acquire().permit?.isProbe == false)
    }

    @Test func staysClosedBelowMinimumCallsEvenWhenEverythingFails() {
        let breaker = CircuitBreaker(settings: settings(minimumCalls: 20), now: BreakerTestClock().now)
        for _ in 0..<19 { breaker.fail() }
        #expect(breaker.state == .closed)
        #expect(breaker.machine.windowCounts == (19, 19) as (Int, Int))
        #expect(breaker.acquire().permit != nil)
    }

    @Test func opensExactlyWhenTheRateIsReachedAtMinimumCalls() {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(failureRate: 0.5, minimumCalls: 20), now: clock.now)
        for _ in 0..<10 { breaker.succeed() }
        for _ in 0..<9 { breaker.fail() }
        #expect(breaker.state == .closed)
        breaker.fail()                                  // 10 of 20
        #expect(breaker.state == .open)
        #expect(breaker.acquire().retryAfter == .seconds(30))
    }

    @Test func belowTheRateAtMinimumCallsStaysClosedUntilTheRateIsReached() {
        let breaker = CircuitBreaker(settings: settings(failureRate: 0.5, minimumCalls: 20), now: BreakerTestClock().now)
        for _ in 0..<11 { breaker.succeed() }
        for _ in 0..<9 { breaker.fail() }
        #expect(breaker.state == .closed)               // 9 of 20
        breaker.fail()
        #expect(breaker.state == .closed)               // 10 of 21
        breaker.fail()
        #expect(breaker.state == .open)                 // 11 of 22
    }

    @Test func exactDecimalRatesTripExactly() {
        // 3 / 10 must count as 0.3, which 0.3 * 10 (3.0000000000000004) would not.
        let breaker = CircuitBreaker(settings: settings(failureRate: 0.3, minimumCalls: 10, window: 10), now: BreakerTestClock().now)
        for _ in 0..<7 { breaker.succeed() }
        for _ in 0..<2 { breaker.fail() }
        #expect(breaker.state == .closed)
        breaker.fail()
        #expect(breaker.state == .open)
    }

    @Test func aRateOfOneNeedsEveryCallToFail() {
        let breaker = CircuitBreaker(settings: settings(failureRate: 1, minimumCalls: 5, window: 5), now: BreakerTestClock().now)
        breaker.succeed()
        for _ in 0..<4 { breaker.fail() }
        #expect(breaker.state == .closed)
        breaker.fail()                                  // the success slides out
        #expect(breaker.state == .open)
    }

    @Test func aRateOfZeroNeverOpensWithoutFailures() {
        let breaker = CircuitBreaker(settings: settings(failureRate: 0, minimumCalls: 3, window: 3), now: BreakerTestClock().now)
        for _ in 0..<10 { breaker.succeed() }
        #expect(breaker.state == .closed)
        breaker.fail()
        #expect(breaker.state == .open)
    }

    @Test func slidingWindowForgetsOldSuccesses() {
        let breaker = CircuitBreaker(settings: settings(failureRate: 0.5, minimumCalls: 10, window: 10), now: BreakerTestClock().now)
        for _ in 0..<10 { breaker.succeed() }
        for _ in 0..<4 { breaker.fail() }
        #expect(breaker.state == .closed)               // 4 of the last 10
        #expect(breaker.machine.windowCounts == (10, 4) as (Int, Int))
        breaker.fail()
        #expect(breaker.state == .open)                 // 5 of the last 10
    }

    @Test func slidingWindowForgetsOldFailures() {
        let breaker = CircuitBreaker(settings: settings(failureRate: 0.6, minimumCalls: 10, window: 10), now: BreakerTestClock().now)
        for _ in 0..<5 { breaker.fail() }
        for _ in 0..<5 { breaker.succeed() }
        #expect(breaker.state == .closed)               // 5 of 10 < 0.6
        for _ in 0..<5 { breaker.succeed() }
        #expect(breaker.machine.windowCounts == (10, 0) as (Int, Int))
        for _ in 0..<5 { breaker.fail() }
        #expect(breaker.state == .closed)               // the first five failures are gone
        breaker.fail()
        #expect(breaker.state == .open)                 // 6 of the last 10
    }

    @Test func minimumCallsAboveTheWindowIsCappedAtTheWindow() {
        let breaker = CircuitBreaker(settings: settings(minimumCalls: 50, window: 4), now: BreakerTestClock().now)
        for _ in 0..<4 { breaker.fail() }
        #expect(breaker.state == .open)
    }

    // MARK: Open

    @Test func refusalRetryAfterIsTheRemainingOpenTimeAndShrinks() {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(openFor: .seconds(30)), now: clock.now)
        breaker.trip()
        #expect(breaker.acquire() == .refused(retryAfter: .seconds(30)))
        clock.advance(by: .milliseconds(12_500))
        #expect(breaker.acquire() == .refused(retryAfter: .milliseconds(17_500)))
        #expect(breaker.acquire().retryAfter?.retryAfterSeconds == 18)
        clock.advance(by: .milliseconds(17_499))
        #expect(breaker.acquire() == .refused(retryAfter: .milliseconds(1)))
        #expect(breaker.acquire().retryAfter?.retryAfterSeconds == 1)
        #expect(breaker.state == .open)
    }

    @Test func resultsOfCallsAllowedBeforeOpeningAreIgnoredWhileOpen() throws {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(minimumCalls: 2, window: 2), now: clock.now)
        let slow = try #require(breaker.acquire().permit)
        breaker.fail()
        breaker.fail()
        #expect(breaker.state == .open)
        breaker.record(slow, success: true)
        breaker.record(slow, success: false)
        #expect(breaker.state == .open)
        #expect(breaker.acquire() == .refused(retryAfter: .seconds(30)))
    }

    // MARK: Half-open

    @Test func afterOpenForHalfOpenAdmitsExactlyHalfOpenCallsProbes() {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(openFor: .seconds(30), halfOpenCalls: 3), now: clock.now)
        breaker.trip()
        clock.advance(by: .seconds(30))
        let probes = (0..<3).compactMap { _ in breaker.acquire().permit }
        #expect(probes.count == 3)
        #expect(probes.allSatisfy { $0.isProbe })
        #expect(breaker.state == .halfOpen)
        #expect(breaker.acquire() == .refused(retryAfter: .seconds(1)))
        #expect(breaker.acquire() == .refused(retryAfter: .seconds(1)))
        #expect(breaker.machine.probesInFlight == 3)
    }

    @Test func justBeforeOpenForItIsStillOpen() {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(openFor: .seconds(30)), now: clock.now)
        breaker.trip()
        clock.advance(by: .seconds(30) - .nanoseconds(1))
        #expect(breaker.state == .open)
        clock.advance(by: .nanoseconds(1))
        #expect(breaker.state == .halfOpen)
    }

    @Test func allProbesSucceedingClosesWithAnEmptyWindow() {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(minimumCalls: 4, window: 10, halfOpenCalls: 3), now: clock.now)
        breaker.trip()
        clock.advance(by: .seconds(30))
        let probes = (0..<3).compactMap { _ in breaker.acquire().permit }
        breaker.record(probes[0], success: true)
        breaker.record(probes[1], success: true)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.acquire() == .refused(retryAfter: .seconds(1)))  // succeeded probes keep their slots
        breaker.record(probes[2], success: true)
        #expect(breaker.state == .closed)
        #expect(breaker.machine.windowCounts == (0, 0) as (Int, Int))
        // The failures that opened it are forgotten: minimumCalls counts again from zero.
        for _ in 0..<3 { breaker.fail() }
        #expect(breaker.state == .closed)
        breaker.fail()
        #expect(breaker.state == .open)
    }

    @Test func probesMaySucceedOneAfterAnother() {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(halfOpenCalls: 2), now: clock.now)
        breaker.trip()
        clock.advance(by: .seconds(30))
        breaker.succeed()
        #expect(breaker.state == .halfOpen)
        breaker.succeed()
        #expect(breaker.state == .closed)
    }

    @Test func oneFailingProbeReopensForAFullOpenFor() {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(openFor: .seconds(30), halfOpenCalls: 3), now: clock.now)
        breaker.trip()
        clock.advance(by: .seconds(30))
        let probes = (0..<3).compactMap { _ in breaker.acquire().permit }
        breaker.record(probes[0], success: true)
        clock.advance(by: .seconds(4))
        breaker.record(probes[1], success: false)
        #expect(breaker.state == .open)
        #expect(breaker.acquire() == .refused(retryAfter: .seconds(30)))
        // The remaining probe belongs to the half-open generation that ended.
        breaker.record(probes[2], success: true)
        #expect(breaker.state == .open)
        clock.advance(by: .seconds(30) - .milliseconds(1))
        #expect(breaker.acquire() == .refused(retryAfter: .milliseconds(1)))
        clock.advance(by: .milliseconds(1))
        #expect(breaker.state == .halfOpen)
    }

    @Test func cancelFreesAProbeSlot() throws {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(halfOpenCalls: 2), now: clock.now)
        breaker.trip()
        clock.advance(by: .seconds(30))
        let first = try #require(breaker.acquire().permit)
        let second = try #require(breaker.acquire().permit)
        #expect(breaker.acquire().permit == nil)
        breaker.cancel(first)
        #expect(breaker.machine.probesInFlight == 1)
        let third = try #require(breaker.acquire().permit)
        #expect(third.isProbe)
        #expect(breaker.acquire().permit == nil)
        // A cancelled probe proves nothing: two successes are still needed.
        breaker.record(second, success: true)
        #expect(breaker.state == .halfOpen)
        breaker.record(third, success: true)
        #expect(breaker.state == .closed)
    }

    @Test func cancellingAClosedPermitChangesNothing() throws {
        let breaker = CircuitBreaker(settings: settings(minimumCalls: 2, window: 2), now: BreakerTestClock().now)
        let permit = try #require(breaker.acquire().permit)
        breaker.cancel(permit)
        #expect(breaker.machine.windowCounts == (0, 0) as (Int, Int))
        #expect(breaker.state == .closed)
    }

    @Test func cancellingAStaleProbeDoesNotFreeACurrentSlot() throws {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(halfOpenCalls: 1), now: clock.now)
        breaker.trip()
        clock.advance(by: .seconds(30))
        let oldProbe = try #require(breaker.acquire().permit)
        breaker.record(oldProbe, success: false)            // re-opens
        clock.advance(by: .seconds(30))
        let probe = try #require(breaker.acquire().permit)  // a new half-open generation
        breaker.cancel(oldProbe)
        #expect(breaker.machine.probesInFlight == 1)
        #expect(breaker.acquire().permit == nil)
        breaker.record(probe, success: true)
        #expect(breaker.state == .closed)
    }

    @Test func aProbeHandedBackTwiceCountsOnce() throws {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(halfOpenCalls: 2), now: clock.now)
        breaker.trip()
        clock.advance(by: .seconds(30))
        let probe = try #require(breaker.acquire().permit)
        breaker.cancel(probe)
        breaker.cancel(probe)
        #expect(breaker.machine.probesInFlight == 0)
        breaker.record(probe, success: true)                // nothing in flight to settle
        #expect(breaker.state == .halfOpen)
        #expect(breaker.machine.probesInFlight == 0)
    }

    // MARK: Generations

    @Test func aStalePermitCannotCloseAHalfOpenBreaker() throws {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(minimumCalls: 2, window: 2, halfOpenCalls: 1), now: clock.now)
        let slow = try #require(breaker.acquire().permit)   // started while closed
        breaker.fail()
        breaker.fail()
        clock.advance(by: .seconds(30))
        #expect(breaker.state == .halfOpen)
        breaker.record(slow, success: true)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.acquire().permit?.isProbe == true)   // the only slot is still free
    }

    @Test func aStalePermitCannotReopenAHalfOpenBreaker() throws {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(minimumCalls: 2, window: 2), now: clock.now)
        let slow = try #require(breaker.acquire().permit)
        breaker.trip()
        clock.advance(by: .seconds(30))
        let probe = try #require(breaker.acquire().permit)
        breaker.record(slow, success: false)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.machine.probesInFlight == 1)
        breaker.record(probe, success: false)
        #expect(breaker.state == .open)
    }

    @Test func aStalePermitIsNotCountedAfterClosingAgain() throws {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(minimumCalls: 2, window: 2, halfOpenCalls: 1), now: clock.now)
        let slow = try #require(breaker.acquire().permit)
        breaker.trip()
        clock.advance(by: .seconds(30))
        breaker.succeed()
        #expect(breaker.state == .closed)
        breaker.record(slow, success: false)
        #expect(breaker.machine.windowCounts == (0, 0) as (Int, Int))
    }

    @Test func everyTransitionStartsANewGeneration() throws {
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: settings(minimumCalls: 1, window: 1, halfOpenCalls: 1), now: clock.now)
        let closedGeneration = try #require(breaker.acquire().permit).generation
        breaker.fail()
        clock.advance(by: .seconds(30))
        let probe = try #require(breaker.acquire().permit)
        breaker.record(probe, success: true)
        let reclosedGeneration = try #require(breaker.acquire().permit).generation
        #expect(closedGeneration == 0)
        #expect(probe.generation == 2)
        #expect(reclosedGeneration == 3)
    }

    // MARK: Disabled

    @Test func aDisabledBreakerNeverRefusesAndNeverRecords() throws {
        var disabled = settings(minimumCalls: 1, window: 1)
        disabled.enabled = false
        let transitions = TransitionLog()
        let clock = BreakerTestClock()
        let breaker = CircuitBreaker(settings: disabled, now: clock.now, onTransition: transitions.append)
        for _ in 0..<1000 {
            let permit = try #require(breaker.acquire().permit)
            #expect(!permit.isProbe)
            breaker.record(permit, success: false)
            clock.advance(by: .seconds(1))
        }
        #expect(breaker.state == .closed)
        #expect(breaker.machine.windowCounts == (0, 0) as (Int, Int))
        #expect(transitions.entries.isEmpty)
    }

    // MARK: Transitions

    @Test func onTransitionSeesEveryTransitionInOrder() {
        let clock = BreakerTestClock()
        let transitions = TransitionLog()
        let breaker = CircuitBreaker(
            settings: settings(minimumCalls: 2, window: 2, halfOpenCalls: 1),
            now: clock.now,
            onTransition: transitions.append
        )
        breaker.trip()
        #expect(transitions.entries == [BreakerTransition(.closed, .open)])
        clock.advance(by: .seconds(30))
        breaker.fail()                                      // the probe fails
        clock.advance(by: .seconds(30))
        breaker.succeed()                                   // the probe succeeds
        #expect(transitions.entries == [
            BreakerTransition(.closed, .open),
            BreakerTransition(.open, .halfOpen),
            BreakerTransition(.halfOpen, .open),
            BreakerTransition(.open, .halfOpen),
            BreakerTransition(.halfOpen, .closed),
        ])
    }

    @Test func readingStateTurnsAnExpiredOpenBreakerHalfOpenOnce() {
        let clock = BreakerTestClock()
        let transitions = TransitionLog()
        let breaker = CircuitBreaker(settings: settings(), now: clock.now, onTransition: transitions.append)
        breaker.trip()
        clock.advance(by: .seconds(31))
        #expect(breaker.state == .halfOpen)
        #expect(breaker.state == .halfOpen)
        _ = breaker.acquire()
        #expect(transitions.entries == [BreakerTransition(.closed, .open), BreakerTransition(.open, .halfOpen)])
    }

    @Test func onTransitionMayCallBackIntoTheBreaker() {
        let clock = BreakerTestClock()
        let seen = Locked<[CircuitBreakerState?]>([])
        let box = Locked<CircuitBreaker?>(nil)
        let breaker = CircuitBreaker(settings: settings(minimumCalls: 1, window: 1), now: clock.now) { _, _ in
            // Would deadlock if the callback ran under the breaker's lock.
            let state = box.value?.state
            seen.mutate { $0.append(state) }
        }
        box.mutate { $0 = breaker }
        breaker.fail()
        clock.advance(by: .seconds(30))
        _ = breaker.acquire()
        #expect(seen.value == [.open, .halfOpen])
        box.mutate { $0 = nil }
    }

    // MARK: Concurrency

    @Test func manyTasksSharingAHealthyBreaker() async {
        let transitions = TransitionLog()
        let breaker = CircuitBreaker(settings: CircuitBreakerSettings(), onTransition: transitions.append)
        let allowed = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<1000 {
                group.addTask {
                    guard case .allowed(let permit) = breaker.acquire() else { return 0 }
                    breaker.record(permit, success: true)
                    return 1
                }
            }
            return await group.reduce(0, +)
        }
        #expect(allowed == 1000)
        #expect(breaker.state == .closed)
        #expect(breaker.machine.windowCounts == (100, 0) as (Int, Int))
        #expect(transitions.entries.isEmpty)
    }

    /// Without yielding, each task's permit is mostly handed back before the
    /// next acquire and the breaker cycles through every transition; with
    /// yielding, probes stay outstanding and the slot limit refuses the rest.
    @Test(arguments: [false, true])
    func manyTasksSharingAFlappingBreakerKeepItConsistent(yielding: Bool) async {
        // Half the calls fail and openFor is zero, so the breaker keeps
        // cycling through its states while the tasks race each other.
        let transitions = TransitionLog()
        let breaker = CircuitBreaker(
            settings: settings(minimumCalls: 4, window: 8, openFor: .zero, halfOpenCalls: 3),
            onTransition: transitions.append
        )
        let counts = await withTaskGroup(of: (allowed: Int, refused: Int).self) { group in
            for index in 0..<1000 {
                group.addTask {
                    switch breaker.acquire() {
                    case .allowed(let permit):
                        // Some permits stay outstanding while other tasks acquire.
                        if yielding, index.isMultiple(of: 3) { await Task.yield() }
                        if index % 7 == 0 {
                            breaker.cancel(permit)
                        } else {
                            breaker.record(permit, success: !index.isMultiple(of: 2))
                        }
                        return (1, 0)
                    case .refused(let retryAfter):
                        #expect(retryAfter >= .zero)
                        return (0, 1)
                    }
                }
            }
            var total = (allowed: 0, refused: 0)
            for await outcome in group {
                total.allowed += outcome.allowed
                total.refused += outcome.refused
            }
            return total
        }
        #expect(counts.allowed + counts.refused == 1000)
        #expect(counts.allowed > 0)
        // Every transition was reported once, in order: each starts where the last ended.
        let log = transitions.entries
        #expect(!log.isEmpty)
        #expect(log.first?.from == .closed)
        for (previous, next) in zip(log, log.dropFirst()) {
            #expect(previous.to == next.from)
            #expect(previous.from != previous.to)
        }
        let machine = breaker.machine
        #expect(log.last?.to == machine.state)
        #expect(UInt64(log.count) == machine.generation)
        // Every permit was handed back, so no probe slot leaked.
        #expect(machine.probesInFlight == 0)
    }

    // MARK: Machine

    @Test func theMachineReportsTransitionsFromTheCallThatCausedThem() throws {
        let start = ContinuousClock.now
        var machine = CircuitBreakerMachine(settings: settings(minimumCalls: 1, window: 1, openFor: .seconds(10), halfOpenCalls: 1))
        let first = machine.acquire(at: start)
        #expect(first.transition == nil)
        let permit = try #require(first.decision.permit)
        #expect(machine.record(permit, success: false, at: start) == BreakerTransition(.closed, .open))
        #expect(machine.acquire(at: start + .seconds(9)).transition == nil)
        #expect(machine.advance(to: start + .seconds(10)) == BreakerTransition(.open, .halfOpen))
        #expect(machine.advance(to: start + .seconds(11)) == nil)
        let probe = try #require(machine.acquire(at: start + .seconds(11)).decision.permit)
        #expect(machine.record(probe, success: true, at: start + .seconds(12)) == BreakerTransition(.halfOpen, .closed))
    }
}

// MARK: - Support

private func settings(
    failureRate: Double = 0.5,
    minimumCalls: Int = 20,
    window: Int = 100,
    openFor: Duration = .seconds(30),
    halfOpenCalls: Int = 5
) -> CircuitBreakerSettings {
    var settings = CircuitBreakerSettings()
    settings.failureRate = failureRate
    settings.minimumCalls = minimumCalls
    settings.window = window
    settings.openFor = openFor
    settings.halfOpenCalls = halfOpenCalls
    return settings
}

/// A clock that stands still until the test moves it.
private final class BreakerTestClock: Sendable {
    private let current = Mutex(ContinuousClock.now)

    var now: @Sendable () -> ContinuousClock.Instant {
        { [self] in current.withLock { $0 } }
    }

    func advance(by duration: Duration) {
        current.withLock { $0 += duration }
    }
}

/// A value shared with callbacks that run on other threads.
private final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) {
        storage = Mutex(value)
    }

    var value: Value { storage.withLock { $0 } }

    func mutate(_ body: (inout Value) -> Void) {
        storage.withLock { body(&$0) }
    }
}

/// The (from, to) pairs passed to `onTransition`, in delivery order.
private final class TransitionLog: Sendable {
    private let storage = Locked<[BreakerTransition]>([])

    var append: @Sendable (CircuitBreakerState, CircuitBreakerState) -> Void {
        { [self] from, to in storage.mutate { $0.append(BreakerTransition(from, to)) } }
    }

    var entries: [BreakerTransition] { storage.value }
}

private typealias BreakerTransition = CircuitBreakerMachine.Transition

extension CircuitBreakerMachine.Transition {
    fileprivate init(_ from: CircuitBreakerState, _ to: CircuitBreakerState) {
        self.init(from: from, to: to)
    }
}

extension CircuitBreakerDecision {
    fileprivate var permit: CircuitBreakerPermit? {
        if case .allowed(let permit) = self { permit } else { nil }
    }

    fileprivate var retryAfter: Duration? {
        if case .refused(let retryAfter) = self { retryAfter } else { nil }
    }
}

extension CircuitBreaker {
    /// Records one successful call; the breaker must allow it.
    fileprivate func succeed() {
        guard case .allowed(let permit) = acquire() else {
            Issue.record("expected the breaker to allow a call")
            return
        }
        record(permit, success: true)
    }

    /// Records one failed call; the breaker must allow it.
    fileprivate func fail() {
        guard case .allowed(let permit) = acquire() else {
            Issue.record("expected the breaker to allow a call")
            return
        }
        record(permit, success: false)
    }

    /// Fails calls until the breaker opens.
    fileprivate func trip() {
        for _ in 0..<max(1, settings.window) where state == .closed { fail() }
        #expect(state == .open)
    }
}
