import Testing
@testable import GatewayCore

/// The rate-limit arithmetic that `MemoryStore` runs as it is and the Redis
/// script mirrors: `requests` at once from a full budget, then one per
/// interval, with the wait to the next allowed request.
@Suite struct GCRATests {
    /// Spends `count` requests at `now`, threading the TAT; returns the decisions.
    static func burst(_ rate: GCRA, count: Int, now: Int64, tat: Int64? = nil) -> (decisions: [GCRA.Decision], tat: Int64?) {
        var tat = tat
        var decisions: [GCRA.Decision] = []
        for _ in 0..<count {
            let decision = rate.decide(tat: tat, now: now)
            if case .allowed(let next) = decision { tat = next }
            decisions.append(decision)
        }
        return (decisions, tat)
    }

    @Test func aFullBudgetLetsExactlyRequestsThroughAtOnce() {
        let rate = GCRA(requests: 5, per: .seconds(1))
        #expect(rate.interval == 200_000)
        #expect(rate.window == 1_000_000)
        let (decisions, tat) = Self.burst(rate, count: 7, now: 10_000_000)
        #expect(decisions.prefix(5).allSatisfy { if case .allowed = $0 { true } else { false } })
        // The sixth waits one interval: the first request's share has drained by then.
        #expect(decisions[5] == .limited(after: 200_000))
        #expect(decisions[6] == .limited(after: 200_000))
        #expect(tat == 11_000_000)
    }

    @Test func oneRequestPerIntervalAfterTheBurst() {
        let rate = GCRA(requests: 5, per: .seconds(1))
        let (_, tat) = Self.burst(rate, count: 5, now: 0)
        #expect(rate.decide(tat: tat, now: 199_999) == .limited(after: 1))
        #expect(rate.decide(tat: tat, now: 200_000) == .allowed(tat: 1_200_000))
        // Refused requests do not move the TAT, so waiting the answer works.
        let (later, _) = Self.burst(rate, count: 2, now: 200_000, tat: tat)
        #expect(later == [.allowed(tat: 1_200_000), .limited(after: 200_000)])
    }

    @Test func anIdleBudgetRefillsToTheBurstAndNoFurther() {
        let rate = GCRA(requests: 3, per: .seconds(3))
        let (_, tat) = Self.burst(rate, count: 3, now: 0)
        // Long after: a stale TAT counts as now, so the burst is 3 again, never 6.
        let (decisions, _) = Self.burst(rate, count: 4, now: 60_000_000, tat: tat)
        #expect(decisions.filter { if case .allowed = $0 { true } else { false } }.count == 3)
        #expect(decisions[3] == .limited(after: 1_000_000))
    }

    @Test func aRateThatDoesNotDivideEvenlyStillAllowsExactlyRequests() {
        let rate = GCRA(requests: 3, per: .seconds(1))
        #expect(rate.interval == 333_333)
        #expect(rate.window == 999_999)
        let (decisions, _) = Self.burst(rate, count: 4, now: 5)
        #expect(decisions.filter { if case .allowed = $0 { true } else { false } }.count == 3)
        #expect(decisions[3] == .limited(after: 333_333))
    }

    @Test func retryAfterRoundsUpToWholeSeconds() {
        // MemoryStore and RedisStore turn µs into ms rounded up; Retry-After rounds ms up to seconds.
        #expect(Problems.rateLimited(retryAfter: .milliseconds(1)).retryAfter == 1)
        #expect(Problems.rateLimited(retryAfter: .milliseconds(1001)).retryAfter == 2)
        #expect(Problems.rateLimited(retryAfter: .seconds(12)).retryAfter == 12)
        #expect(Problems.rateLimited(retryAfter: .seconds(12)).status == 429)
    }
}
