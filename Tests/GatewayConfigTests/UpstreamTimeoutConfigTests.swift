import GatewayConfig
import GatewayCore
import Testing

/// `upstreams.NAME.connect_timeout` and `idle_timeout`: their defaults and
/// what is refused, each named by field and file.
@Suite struct UpstreamTimeoutConfigTests {
    private func upstream(_ fields: String) throws -> UpstreamSettings {
        let configuration = try ConfigFixtures.parse(ConfigFixtures.upstream(fields))
        return try #require(configuration.upstreams["payments"])
    }

    @Test func connectTimeoutDefaultsToTwoSecondsOrTheTimeoutIfShorter() throws {
        #expect(try upstream("").connectTimeout == .seconds(2))
        #expect(try upstream("timeout: 5s").connectTimeout == .seconds(2))
        // Used to be refused: "connect_timeout (2s) must not exceed timeout (1s)".
        #expect(try upstream("timeout: 1s").connectTimeout == .seconds(1))
        #expect(try upstream("timeout: 300ms").connectTimeout == .milliseconds(300))
        #expect(try upstream("timeout: 1s\nconnect_timeout: 250ms").connectTimeout == .milliseconds(250))
    }

    @Test func explicitConnectTimeoutAboveTimeoutIsStillRefused() {
        let problems = ConfigFixtures.problems(ConfigFixtures.upstream("timeout: 1s\nconnect_timeout: 2s"))
        #expect(problems.map(\.description)
            == ["gateway.yaml: upstreams.payments.connect_timeout: connect_timeout (2s) must not exceed timeout (1s)"])
    }

    @Test func idleTimeoutDefaultsToOneSecond() throws {
        #expect(try upstream("").idleTimeout == .seconds(1))
        #expect(UpstreamSettings.defaultIdleTimeout == .seconds(1))
    }

    @Test func idleTimeoutTakesWholeSecondsAndZero() throws {
        #expect(try upstream("idle_timeout: 4s").idleTimeout == .seconds(4))
        #expect(try upstream("idle_timeout: 2m").idleTimeout == .seconds(120))
        #expect(try upstream("idle_timeout: 0s").idleTimeout == .zero)
    }

    @Test func fractionalOrMalformedIdleTimeoutIsRefused() {
        let fractional = ConfigFixtures.problems(ConfigFixtures.upstream("idle_timeout: 1500ms"))
        #expect(fractional.map(\.description) == [
            "gateway.yaml: upstreams.payments.idle_timeout: must be whole seconds (libcurl measures idle time in seconds), or 0 for no reuse",
        ])
        let malformed = ConfigFixtures.problems(ConfigFixtures.upstream("idle_timeout: soon"))
        #expect(malformed.first?.description.hasPrefix("gateway.yaml: upstreams.payments.idle_timeout:") == true)
    }

    @Test func idleTimeoutReachesTheForwardedRequest() throws {
        let settings = try upstream("idle_timeout: 3s")
        let request = GatewayRequest(method: "GET", path: "/x", query: nil, headers: [], body: [])
        #expect(ForwardedRequest.make(request, upstream: settings).idleTimeout == .seconds(3))
    }
}
