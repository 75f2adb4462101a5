import Testing
@testable import GatewayCore

/// A repeating line is let through once, then at most once per interval
/// with the count it held back; different lines do not hold each other back.
@Suite struct WarningThrottleTests {
    private let clock = ManualClock()

    @Test func firstLineGoesThroughThenOncePerIntervalWithTheCount() {
        let throttle = WarningThrottle(interval: .seconds(1), now: clock.nowFunction)
        #expect(throttle.admit("claim") == .log(suppressed: 0))
        for _ in 0..<499 {
            clock.advance(by: .milliseconds(1))
            #expect(throttle.admit("claim") == .suppress)
        }
        clock.advance(by: .milliseconds(501))
        #expect(throttle.admit("claim") == .log(suppressed: 499))
        #expect(throttle.admit("claim") == .suppress)
        clock.advance(by: .seconds(1))
        #expect(throttle.admit("claim") == .log(suppressed: 1))
    }

    @Test func aLineAfterAQuietSpellGoesThroughAtOnce() {
        let throttle = WarningThrottle(interval: .seconds(1), now: clock.nowFunction)
        #expect(throttle.admit("claim") == .log(suppressed: 0))
        clock.advance(by: .seconds(30))
        #expect(throttle.admit("claim") == .log(suppressed: 0))
    }

    @Test func keysAreThrottledApart() {
        let throttle = WarningThrottle(interval: .seconds(1), now: clock.nowFunction)
        #expect(throttle.admit("claim") == .log(suppressed: 0))
        #expect(throttle.admit("release") == .log(suppressed: 0))
        #expect(throttle.admit("claim") == .suppress)
        #expect(throttle.admit("release") == .suppress)
    }

    @Test func concurrentCallersLetExactlyOneLineThrough() async {
        let throttle = WarningThrottle(interval: .seconds(1), now: clock.nowFunction)
        let logged = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 {
                group.addTask { throttle.admit("claim") != .suppress }
            }
            var count = 0
            for await admitted in group where admitted { count += 1 }
            return count
        }
        #expect(logged == 1)
        clock.advance(by: .seconds(1))
        #expect(throttle.admit("claim") == .log(suppressed: 199))
    }
}
