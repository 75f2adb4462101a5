import GatewayCore
import Testing

@testable import GatewayConfig

@Suite("limits: client timeouts, connection cap, header size")
struct LimitsConfigTests {
    @Test func defaultsFollowNginx() throws {
        let limits = try ConfigFixtures.parse(ConfigFixtures.minimal).limits
        #expect(limits.clientHeaderTimeout == .seconds(60))
        #expect(limits.clientBodyTimeout == .seconds(60))
        #expect(limits.keepaliveTimeout == .seconds(75))
        #expect(limits.sendTimeout == .seconds(60))
        #expect(limits.maxConnections == 1024)
        #expect(limits.maxHeaderBytes == ByteSize(bytes: 32 * 1024))
    }

    @Test func everyFieldIsRead() throws {
        let limits = try ConfigFixtures.parse(ConfigFixtures.minimal(with: """
            limits:
              max_request_body: 2MiB
              client_header_timeout: 5s
              client_body_timeout: 6s
              keepalive_timeout: 7s
              send_timeout: 8s
              max_connections: 50
              max_header_bytes: 16KiB

            """)).limits
        #expect(limits.maxRequestBody == ByteSize(bytes: 2 << 20))
        #expect(limits.clientHeaderTimeout == .seconds(5))
        #expect(limits.clientBodyTimeout == .seconds(6))
        #expect(limits.keepaliveTimeout == .seconds(7))
        #expect(limits.sendTimeout == .seconds(8))
        #expect(limits.maxConnections == 50)
        #expect(limits.maxHeaderBytes == ByteSize(bytes: 16 << 10))
    }

    @Test func badValuesNameTheFieldAndFile() {
        let problems = ConfigFixtures.problems(ConfigFixtures.minimal(with: """
            limits:
              client_header_timeout: 0s
              client_body_timeout: soon
              keepalive_timeout: 4000d
              send_timeout: -1s
              max_connections: 0
              max_header_bytes: 512

            """))
        #expect(problems.map(\.description) == [
            "gateway.yaml: limits.client_header_timeout: must be greater than zero",
            "gateway.yaml: limits.client_body_timeout: \"soon\" is not a duration (use e.g. 250ms, 30s, 10m, 24h)",
            "gateway.yaml: limits.keepalive_timeout: \"4000d\" is too long (at most 3650d)",
            "gateway.yaml: limits.send_timeout: \"-1s\" is not a duration (use e.g. 250ms, 30s, 10m, 24h)",
            "gateway.yaml: limits.max_connections: must be between 1 and 1000000, found 0",
            "gateway.yaml: limits.max_header_bytes: 512 is too small for a request head (at least 1KiB)",
        ])
    }

    @Test func maxConnectionsMustBeAWholeNumber() {
        let problems = ConfigFixtures.problems(ConfigFixtures.minimal(with: "limits:\n  max_connections: 10.5\n"))
        #expect(problems.map(\.description) == [
            "gateway.yaml: limits.max_connections: expected a number of connections, found \"10.5\"",
        ])
    }

    @Test func unknownLimitIsAnError() {
        let problems = ConfigFixtures.problems(ConfigFixtures.minimal(with: "limits:\n  client_timeout: 5s\n"))
        #expect(problems.map(\.path) == ["limits.client_timeout"])
    }
}
