import Testing

@testable import GatewayConfig

/// `admin.token` turns the key API on and guards `POST /reload`.
@Suite("admin.token")
struct AdminTokenConfigTests {
    static func file(token: String) -> String {
        ConfigFixtures.minimal(with: """
            admin:
              listen: "127.0.0.1:9191"
              token: \(token)

            """)
    }

    @Test func absentMeansNoToken() throws {
        #expect(try ConfigFixtures.parse(ConfigFixtures.minimal).adminToken == nil)
        #expect(try ConfigFixtures.parse(ConfigFixtures.minimal(with: "admin: { listen: \"127.0.0.1:9191\" }\n")).adminToken == nil)
    }

    @Test func readsATokenFromTheEnvironment() throws {
        let configuration = try ConfigFixtures.parse(Self.file(token: "${ADMIN_TOKEN}"), environment: ["ADMIN_TOKEN": "t0ken-from-env"])
        #expect(configuration.adminToken == "t0ken-from-env")
        #expect(try ConfigFixtures.parse(Self.file(token: "\"literal-token\"")).adminToken == "literal-token")
    }

    @Test func anEmptyTokenIsAProblemNamingTheFieldAndFile() {
        for (token, environment) in [("\"\"", [:]), ("${ADMIN_TOKEN}", ["ADMIN_TOKEN": ""])] {
            let problems = ConfigFixtures.problems(Self.file(token: token), environment: environment)
            #expect(problems.count == 1)
            #expect(problems.first?.description.hasPrefix("gateway.yaml: admin.token: is empty") == true, "\(problems)")
        }
    }

    @Test func unsetVariablesAndUnusableTokensAreProblems() {
        let unset = ConfigFixtures.problems(Self.file(token: "${ADMIN_TOKEN}"))
        #expect(unset.map(\.description) == ["gateway.yaml: admin.token: environment variable `ADMIN_TOKEN` is not set"])
        let spaced = ConfigFixtures.problems(Self.file(token: "\"two words\""))
        #expect(spaced.first?.description.hasPrefix("gateway.yaml: admin.token: must be visible ASCII") == true)
        let mapping = ConfigFixtures.problems(Self.file(token: "{ value: x }"))
        #expect(mapping.first?.description.hasPrefix("gateway.yaml: admin.token: expected a bearer token") == true)
        let typo = ConfigFixtures.problems(ConfigFixtures.minimal(with: "admin:\n  tokn: abc\n"))
        #expect(typo.first?.description.contains("admin.tokn") == true)
    }

    @Test func aChangedTokenNeedsARestart() throws {
        let running = try ConfigFixtures.parse(Self.file(token: "first-token"))
        #expect(try ConfigFixtures.parse(Self.file(token: "first-token")).fieldsNeedingRestart(comparedTo: running).isEmpty)
        #expect(try ConfigFixtures.parse(Self.file(token: "second-token")).fieldsNeedingRestart(comparedTo: running) == ["admin.token"])
        let listenOnly = try ConfigFixtures.parse(ConfigFixtures.minimal(with: "admin: { listen: \"127.0.0.1:9191\" }\n"))
        #expect(listenOnly.fieldsNeedingRestart(comparedTo: running) == ["admin.token"])
    }
}
