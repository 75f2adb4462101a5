import GatewayCore
import Testing

@testable import GatewayConfig

@Suite("idempotency.async")
struct AsyncConfigTests {
    private func policy(_ idempotency: String) throws -> IdempotencyPolicy {
        let config = try ConfigFixtures.parse(ConfigFixtures.route(idempotency: idempotency))
        return try #require(config.routes.first?.idempotency)
    }

    @Test func absentMeansClientsWait() throws {
        #expect(try policy("{}").asyncAfter == nil)
    }

    @Test func afterIsADuration() throws {
        #expect(try policy("async: {after: 2s}").asyncAfter == .seconds(2))
        #expect(try policy("async:\n  after: 250ms").asyncAfter == .milliseconds(250))
    }

    @Test func afterIsRequired() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "async: {}"))
        #expect(problems.map(\.path) == ["routes[0].idempotency.async.after"])
        #expect(problems.first?.message == "required field is missing")
        let missing = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "async: {enabled: true}"))
        #expect(missing.map(\.path).contains("routes[0].idempotency.async.after"))
        #expect(missing.map(\.path).contains("routes[0].idempotency.async.enabled"))
    }

    @Test func aMisspeltFieldIsUnknown() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "async: {after: 1s, aftr: 2s}"))
        #expect(problems.map(\.path) == ["routes[0].idempotency.async.aftr"])
        #expect(problems.first?.message.contains("did you mean `after`?") == true)
    }

    @Test func zeroOrNonsenseIsRefused() {
        #expect(ConfigFixtures.problems(ConfigFixtures.route(idempotency: "async: {after: 0s}")).map(\.path)
            == ["routes[0].idempotency.async.after"])
        #expect(ConfigFixtures.problems(ConfigFixtures.route(idempotency: "async: {after: soon}")).map(\.path)
            == ["routes[0].idempotency.async.after"])
    }

    @Test func afterMustBeShorterThanTheUpstreamTimeout() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "async: {after: 5s}", upstreamTimeout: "5s"))
        #expect(problems.map(\.path) == ["routes[0].idempotency.async.after"])
        #expect(problems.first?.file == "gateway.yaml")
        #expect(problems.first?.message.contains("upstreams.payments.timeout (5s)") == true)
    }
}
