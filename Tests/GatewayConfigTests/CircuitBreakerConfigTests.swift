import Foundation
import GatewayCore
import Testing

@testable import GatewayConfig

@Suite("Per-upstream circuit_breaker and max_in_flight")
struct CircuitBreakerConfigTests {
    /// The problems of an upstream with these extra fields, as `path: message`.
    private func problems(_ fields: String) -> [String] {
        ConfigFixtures.problems(ConfigFixtures.upstream(fields)).map { "\($0.path): \($0.message)" }
    }

    private func upstream(_ fields: String) throws -> UpstreamSettings {
        let config = try ConfigFixtures.parse(ConfigFixtures.upstream(fields))
        return try #require(config.upstreams["payments"])
    }

    @Test func absentMeansEnabledWithDefaults() throws {
        let payments = try #require(try ConfigFixtures.parse(ConfigFixtures.minimal).upstreams["payments"])
        #expect(payments.circuitBreaker == CircuitBreakerSettings())
        #expect(payments.circuitBreaker.enabled)
        #expect(payments.maxInFlight == 1024)
    }

    @Test func emptyBlockMeansDefaults() throws {
        #expect(try upstream("circuit_breaker: {}").circuitBreaker == CircuitBreakerSettings())
    }

    @Test func fullBlockParsesIntoExactValues() throws {
        let payments = try upstream("""
            max_in_flight: 64
            circuit_breaker:
              enabled: true
              failure_rate: 0.25
              minimum_calls: 10
              window: 40
              open_for: 1500ms
              half_open_calls: 3
              failure_statuses: [429, 500, 503]
            """)
        #expect(payments.maxInFlight == 64)
        var expected = CircuitBreakerSettings()
        expected.enabled = true
        expected.failureRate = 0.25
        expected.minimumCalls = 10
        expected.window = 40
        expected.openFor = .milliseconds(1500)
        expected.halfOpenCalls = 3
        expected.failureStatuses = [429, 500, 503]
        #expect(payments.circuitBreaker == expected)
    }

    @Test func enabledFalseTurnsItOff() throws {
        let breaker = try upstream("circuit_breaker: {enabled: false}").circuitBreaker
        #expect(!breaker.enabled)
        var expected = CircuitBreakerSettings()
        expected.enabled = false
        #expect(breaker == expected)
    }

    @Test func failureRateOfOneAndWholeNumbersAreAccepted() throws {
        #expect(try upstream("circuit_breaker: {failure_rate: 1}").circuitBreaker.failureRate == 1)
        #expect(try upstream("circuit_breaker: {failure_rate: \"0.5\"}").circuitBreaker.failureRate == 0.5)
    }

    @Test func valuesMayComeFromTheEnvironment() throws {
        let config = try ConfigFixtures.parse(
            ConfigFixtures.upstream("max_in_flight: ${LIMIT}\ncircuit_breaker: {window: \"${WINDOW}\"}"),
            environment: ["LIMIT": "8", "WINDOW": "50"])
        #expect(config.upstreams["payments"]?.maxInFlight == 8)
        #expect(config.upstreams["payments"]?.circuitBreaker.window == 50)
    }

    @Test(arguments: [
        ("failure_rate: 0", "failure_rate: must be greater than 0 and at most 1, found 0"),
        ("failure_rate: 1.5", "failure_rate: must be greater than 0 and at most 1, found 1.5"),
        ("failure_rate: half", "failure_rate: expected a number between 0 and 1, found \"half\""),
        ("failure_rate: .nan", "failure_rate: expected a number between 0 and 1, found \".nan\""),
        ("minimum_calls: 0", "minimum_calls: must be at least 1, found 0"),
        ("minimum_calls: twenty", "minimum_calls: expected an integer, found \"twenty\""),
        ("minimum_calls: 20.5", "minimum_calls: expected an integer, found \"20.5\""),
        ("window: 0", "window: must be at least 1, found 0"),
        ("window: [100]", "window: expected an integer, found a list"),
        ("open_for: soon", "open_for: \"soon\" is not a duration (use e.g. 250ms, 30s, 10m, 24h)"),
        ("open_for: 0s", "open_for: must be greater than zero"),
        ("half_open_calls: 0", "half_open_calls: must be at least 1, found 0"),
        ("half_open_calls: 99999999999999999999", "half_open_calls: 99999999999999999999 is too large"),
        ("enabled: yes", "enabled: expected true or false, found \"yes\""),
        ("failure_statuses: [500, 700]", "failure_statuses[1]: must be between 100 and 599, found 700"),
        ("failure_statuses: [5xx]", "failure_statuses[0]: expected a status code, found \"5xx\""),
        ("failure_statuses: 500", "failure_statuses: expected a list, found \"500\""),
        ("failure_statuses: []",
         "failure_statuses: an empty list counts no status as a failure; remove the field for the defaults (500, 502, 503, 504)"),
        ("failure_ratio: 0.5", "failure_ratio: unknown field `failure_ratio`; did you mean `failure_rate`?"),
    ])
    func invalidValueNamesItsPath(field: String, expected: String) {
        #expect(problems("circuit_breaker:\n  \(field)") == ["upstreams.payments.circuit_breaker.\(expected)"])
    }

    @Test func windowBelowMinimumCallsNamesBothValues() {
        #expect(problems("circuit_breaker: {minimum_calls: 50, window: 10}") == [
            "upstreams.payments.circuit_breaker.window: window (10) must be at least minimum_calls (50), "
                + "or the breaker never sees enough calls to open",
        ])
    }

    @Test func windowCheckSaysWhichValueIsTheDefault() {
        #expect(problems("circuit_breaker: {minimum_calls: 200}") == [
            "upstreams.payments.circuit_breaker.window: window (100, the default) must be at least minimum_calls (200), "
                + "or the breaker never sees enough calls to open",
        ])
    }

    @Test func everyBadFieldIsReportedTogether() {
        #expect(problems("""
            max_in_flight: 0
            circuit_breaker:
              failure_rate: 0
              minimum_calls: lots
              open_for: soon
            """) == [
            "upstreams.payments.max_in_flight: must be at least 1, found 0",
            "upstreams.payments.circuit_breaker.failure_rate: must be greater than 0 and at most 1, found 0",
            "upstreams.payments.circuit_breaker.minimum_calls: expected an integer, found \"lots\"",
            "upstreams.payments.circuit_breaker.open_for: \"soon\" is not a duration (use e.g. 250ms, 30s, 10m, 24h)",
        ])
    }

    @Test func emptyOrNonMappingBlockIsRefusedWithAHint() {
        #expect(problems("circuit_breaker:") == [
            "upstreams.payments.circuit_breaker: expected a mapping, found an empty value "
                + "(write `{}` for the defaults, or `{enabled: false}` to turn it off)",
        ])
        #expect(problems("circuit_breaker: false") == [
            "upstreams.payments.circuit_breaker: expected a mapping, found \"false\" "
                + "(write `{}` for the defaults, or `{enabled: false}` to turn it off)",
        ])
    }

    @Test(arguments: [
        ("max_in_flight: 0", "must be at least 1, found 0"),
        ("max_in_flight: lots", "expected an integer, found \"lots\""),
        ("max_in_flight: -5", "must be at least 1, found -5"),
        ("max_in_flight: 10.0", "expected an integer, found \"10.0\""),
    ])
    func invalidMaxInFlightIsRefused(field: String, expected: String) {
        #expect(problems(field) == ["upstreams.payments.max_in_flight: \(expected)"])
    }

    @Test func brokenBreakerKeepsRoutesFromReportingTheUpstreamAsUnknown() {
        // The route names a declared upstream; only the upstream's own problem shows.
        #expect(problems("circuit_breaker: {window: 0}") == [
            "upstreams.payments.circuit_breaker.window: must be at least 1, found 0",
        ])
    }

    @Test func repositoryGatewayYAMLLoadsWithItsDocumentedDefaults() throws {
        let path = ConfigFixtures.repositoryRoot(from: #filePath) + "/gateway.yaml"
        let config = try ConfigurationLoader.load(path: path, environment: [:])
        let example = try #require(config.upstreams["example"])
        #expect(example.maxInFlight == 1024)
        #expect(example.circuitBreaker == CircuitBreakerSettings())

        // The commented block must say what the defaults are: uncommented, it
        // changes nothing.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            guard line.hasPrefix("    # circuit_breaker:") || line.hasPrefix("    #   ") else { return line }
            return "    " + line.dropFirst(6)
        }.joined(separator: "\n")
        #expect(uncommented != text)
        let explicit = try ConfigurationLoader.parse(yaml: uncommented, file: "gateway.yaml", environment: [:])
        #expect(explicit.upstreams["example"]?.circuitBreaker == CircuitBreakerSettings())
        #expect(explicit.upstreams == config.upstreams)
    }
}
