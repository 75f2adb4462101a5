import GatewayConfig
import Testing

/// The `tracing` section: optional, checked field by field, and a change to
/// it is reported as needing a restart.
@Suite
struct TracingConfigTests {
    @Test func absentMeansNoExport() throws {
        #expect(try ConfigFixtures.parse(ConfigFixtures.minimal).tracing == nil)
    }

    @Test func aFullSectionIsRead() throws {
        let configuration = try ConfigFixtures.parse(ConfigFixtures.minimal(with: """
            tracing:
              otlp_endpoint: "http://collector:4318/"
              service_name: payments-gateway
              sample_ratio: 0.25
            """))
        #expect(configuration.tracing == TracingConfiguration(otlpEndpoint: "http://collector:4318", serviceName: "payments-gateway",
                                                              sampleRatio: 0.25))
        let defaults = try ConfigFixtures.parse(ConfigFixtures.minimal(with: "tracing: { otlp_endpoint: \"http://127.0.0.1:4318\" }"))
        #expect(defaults.tracing == TracingConfiguration(otlpEndpoint: "http://127.0.0.1:4318"))
        #expect(defaults.tracing?.serviceName == "idempotency-gateway")
        #expect(defaults.tracing?.sampleRatio == 1)
    }

    @Test(arguments: [
        ("tracing: { otlp_endpoint: \"http://c:4318\", exporter: grpc }", "tracing.exporter"),
        ("tracing: { service_name: gw }", "tracing.otlp_endpoint"),
        ("tracing: { otlp_endpoint: \"https://c:4318\" }", "tracing.otlp_endpoint"),
        ("tracing: { otlp_endpoint: \"c:4318\" }", "tracing.otlp_endpoint"),
        ("tracing: { otlp_endpoint: \"http://c:4318\", sample_ratio: 1.5 }", "tracing.sample_ratio"),
        ("tracing: { otlp_endpoint: \"http://c:4318\", sample_ratio: half }", "tracing.sample_ratio"),
        ("tracing: { otlp_endpoint: \"http://c:4318\", service_name: \"a b\" }", "tracing.service_name"),
    ])
    func aBadFieldIsNamed(_ section: String, _ field: String) {
        let problems = ConfigFixtures.problems(ConfigFixtures.minimal(with: section))
        #expect(problems.map(\.path).contains(field), "\(problems)")
    }

    @Test func aChangeNeedsARestart() throws {
        let running = try ConfigFixtures.parse(ConfigFixtures.minimal)
        let next = try ConfigFixtures.parse(ConfigFixtures.minimal(with: "tracing: { otlp_endpoint: \"http://127.0.0.1:4318\" }"))
        #expect(next.fieldsNeedingRestart(comparedTo: running) == ["tracing"])
        #expect(next.fieldsNeedingRestart(comparedTo: next).isEmpty)
    }
}
