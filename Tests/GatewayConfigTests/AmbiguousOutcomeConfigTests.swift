import GatewayCore
import Testing

@testable import GatewayConfig

@Suite("idempotency.on_ambiguous")
struct AmbiguousOutcomeConfigTests {
    private func policy(_ idempotency: String) throws -> IdempotencyPolicy {
        let config = try ConfigFixtures.parse(ConfigFixtures.route(idempotency: idempotency))
        return try #require(config.routes.first?.idempotency)
    }

    @Test func absentMeansRelease() throws {
        #expect(try policy("{}").onAmbiguous == .release)
        #expect(try policy("required: true").onAmbiguous == .release)
    }

    @Test(arguments: [("release", AmbiguousOutcomeMode.release), ("hold", .hold)])
    func eachModeParses(text: String, mode: AmbiguousOutcomeMode) throws {
        #expect(try policy("on_ambiguous: \(text)").onAmbiguous == mode)
    }

    @Test func aMisspeltModeNamesTheFieldTheFileAndTheNearestChoice() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "on_ambiguous: hodl"))
        #expect(problems.count == 1)
        #expect(problems.first?.file == "gateway.yaml")
        #expect(problems.first?.path == "routes[0].idempotency.on_ambiguous")
        #expect(problems.first?.message == "`hodl` is not one of `release`, `hold`; did you mean `hold`?")
    }

    @Test func aNonStringModeIsRefused() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "on_ambiguous: [hold]"))
        #expect(problems.map(\.path) == ["routes[0].idempotency.on_ambiguous"])
    }

    @Test func aMisspeltFieldIsUnknown() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "on_ambigous: hold"))
        #expect(problems.map(\.path) == ["routes[0].idempotency.on_ambigous"])
        #expect(problems.first?.message.contains("did you mean `on_ambiguous`?") == true)
    }
}
