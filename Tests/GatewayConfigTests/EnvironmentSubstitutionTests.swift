import Foundation
import Testing

@testable import GatewayConfig

@Suite("${NAME} substitution")
struct EnvironmentSubstitutionTests {
    @Test func replacesVariablesAnywhereInAValue() {
        let result = EnvironmentSubstitution.substitute("redis://:${PW}@${HOST}:6379", from: ["PW": "p", "HOST": "cache"])
        #expect(result == .success("redis://:p@cache:6379"))
    }

    @Test func doubleDollarIsALiteralDollar() {
        #expect(EnvironmentSubstitution.substitute("$${X} and $$ and $5", from: [:]) == .success("${X} and $ and $5"))
    }

    @Test func defaultsApplyWhenUnsetOrEmpty() {
        #expect(EnvironmentSubstitution.substitute("127.0.0.1:${PORT:-8080}", from: [:]) == .success("127.0.0.1:8080"))
        #expect(EnvironmentSubstitution.substitute("127.0.0.1:${PORT:-8080}", from: ["PORT": ""]) == .success("127.0.0.1:8080"))
        #expect(EnvironmentSubstitution.substitute("127.0.0.1:${PORT:-8080}", from: ["PORT": "18080"]) == .success("127.0.0.1:18080"))
        #expect(EnvironmentSubstitution.substitute("${URL:-redis://h:1/0}", from: [:]) == .success("redis://h:1/0"))
        #expect(EnvironmentSubstitution.substitute("${EMPTY:-}", from: [:]) == .success(""))
        // Without a default an empty value is kept: only unset is an error.
        #expect(EnvironmentSubstitution.substitute("${PW}", from: ["PW": ""]) == .success(""))
        guard case .failure(let invalid) = EnvironmentSubstitution.substitute("${1X:-v}", from: [:]) else {
            Issue.record("expected a failure")
            return
        }
        #expect(invalid.message.contains("`${1X}`"))
    }

    @Test func unsetVariablesAreNamed() {
        #expect(EnvironmentSubstitution.substitute("${A}${B}${A}", from: [:])
            == .failure(ValueError("environment variables `A`, `B` are not set")))
    }

    @Test func malformedReferences() {
        guard case .failure(let unterminated) = EnvironmentSubstitution.substitute("${OPEN", from: [:]) else {
            Issue.record("expected a failure")
            return
        }
        #expect(unterminated.message.contains("unterminated"))
        guard case .failure(let invalid) = EnvironmentSubstitution.substitute("${1X}", from: ["1X": "v"]) else {
            Issue.record("expected a failure")
            return
        }
        #expect(invalid.message.contains("not a valid environment variable reference"))
    }

    @Test func substitutionInAConfigurationFile() throws {
        let yaml = ConfigFixtures.minimal(with: """
            store:
              redis:
                url: "redis://:${REDIS_PASSWORD}@127.0.0.1:${REDIS_PORT}"
              key_prefix: "${ENV}-idem"

            """)
        let config = try ConfigFixtures.parse(yaml, environment: ["REDIS_PASSWORD": "pw", "REDIS_PORT": "6390", "ENV": "staging"])
        #expect(config.store.backend == .redis(RedisSettings(host: "127.0.0.1", port: 6390, password: "pw")))
        #expect(config.store.keyPrefix == "staging-idem")
    }

    @Test func unsetVariableIsAProblemAtItsField() {
        let yaml = ConfigFixtures.minimal.replacingOccurrences(of: "http://127.0.0.1:9000", with: "${UPSTREAM_URL}")
        #expect(ConfigFixtures.problems(yaml).map(\.description)
            == ["gateway.yaml: upstreams.payments.url: environment variable `UPSTREAM_URL` is not set"])
    }
}
