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

    @Test func theRepositoryExampleShowsHold() throws {
        let path = ConfigFixtures.repositoryRoot(from: #filePath) + "/gateway.yaml"
        let config = try ConfigurationLoader.load(path: path, environment: [:])
        #expect(config.routes.first { $0.name == "orders" }?.idempotency?.onAmbiguous == .hold)
        #expect(config.routes.first { $0.name == "charges" }?.idempotency?.onAmbiguous == .release)
    }
}
