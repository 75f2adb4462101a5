import GatewayCore
import Testing

@testable import GatewayConfig

/// `idempotency.enabled`, `idempotency.mode` and a route's `rate_limit`.
@Suite("idempotency.enabled, idempotency.mode, rate_limit")
struct PolicyModeConfigTests {
    /// `ConfigFixtures.minimal` with this `idempotency` block (may be empty)
    /// and this `rate_limit` block added to its one route.
    static func file(idempotency: String? = "{}", rateLimit: String? = nil) -> String {
        var text = ConfigFixtures.minimal
        if let idempotency { text += "    idempotency: \(idempotency)\n" }
        if let rateLimit { text += "    rate_limit: \(rateLimit)\n" }
        return text
    }

    static func route(idempotency: String? = "{}", rateLimit: String? = nil) throws -> Route {
        try #require(try ConfigFixtures.parse(file(idempotency: idempotency, rateLimit: rateLimit)).routes.first)
    }

    @Test func modeIsEnforceUnlessShadow() throws {
        #expect(try Self.route().idempotency?.mode == .enforce)
        #expect(try Self.route(idempotency: "{ mode: shadow }").idempotency?.mode == .shadow)
        let problems = ConfigFixtures.problems(Self.file(idempotency: "{ mode: shadwo }"))
        #expect(problems.first?.file == "gateway.yaml")
        #expect(problems.map(\.path) == ["routes[0].idempotency.mode"])
        #expect(problems.first?.message.contains("did you mean `shadow`?") == true)
    }

    @Test func enabledFalseMakesThePlainPassThroughRouteButStillChecksTheBlock() throws {
        #expect(try Self.route(idempotency: "{ enabled: false, required: true }").idempotency == nil)
        #expect(try Self.route(idempotency: "{ enabled: true }").idempotency != nil)
        let problems = ConfigFixtures.problems(Self.file(idempotency: "{ enabled: false, ttl: soon }"))
        #expect(problems.map(\.path) == ["routes[0].idempotency.ttl"])
        #expect(ConfigFixtures.problems(Self.file(idempotency: "{ enabled: maybe }")).map(\.path) == ["routes[0].idempotency.enabled"])
    }

    @Test func aRateLimitParsesWithItsDefaults() throws {
        let limit = try #require(try Self.route(rateLimit: "{ requests: 10 }").rateLimit)
        #expect(limit.requests == 10)
        #expect(limit.per == .seconds(1))
        #expect(limit.by == [])
        #expect(limit.count == .keyed)
        #expect(limit.rate.interval == 100_000)
        let full = try #require(try Self.route(rateLimit: "{ requests: 5, per: 1m, by: [Authorization, X-Tenant], count: all }").rateLimit)
        #expect(full == RateLimitPolicy(requests: 5, per: .seconds(60), by: ["Authorization", "X-Tenant"], count: .all))
    }

    @Test func rateLimitErrorsNameTheFieldAndTheFile() {
        let cases: [(String, String)] = [
            ("{ per: 1s }", "routes[0].rate_limit.requests"),
            ("{ requests: 0 }", "routes[0].rate_limit.requests"),
            ("{ requests: 5, per: forever }", "routes[0].rate_limit.per"),
            ("{ requests: 5, by: [\"bad header\"] }", "routes[0].rate_limit.by[0]"),
            ("{ requests: 5, count: every }", "routes[0].rate_limit.count"),
            ("{ requests: 5, burst: 2 }", "routes[0].rate_limit.burst"),
            ("{ requests: 1000000, per: 10ms }", "routes[0].rate_limit.requests"),
        ]
        for (block, path) in cases {
            let problems = ConfigFixtures.problems(Self.file(rateLimit: block))
            #expect(problems.map(\.path) == [path], "\(block)")
            #expect(problems.first?.file == "gateway.yaml")
        }
    }

    @Test func countKeyedNeedsAnEnabledIdempotencyBlock() throws {
        for idempotency in [nil, "{ enabled: false }"] as [String?] {
            let problems = ConfigFixtures.problems(Self.file(idempotency: idempotency, rateLimit: "{ requests: 5 }"))
            #expect(problems.map(\.path) == ["routes[0].rate_limit"])
            #expect(problems.first?.message.contains("set `count: all`") == true)
            #expect(try Self.route(idempotency: idempotency, rateLimit: "{ requests: 5, count: all }").rateLimit?.count == .all)
        }
    }
}
