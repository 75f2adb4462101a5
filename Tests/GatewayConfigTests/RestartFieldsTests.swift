import GatewayConfig
import Testing

/// Which differences between two valid files a reload cannot apply.
@Suite
struct RestartFieldsTests {
    static func load(_ yaml: String) throws -> GatewayConfiguration {
        try ConfigurationLoader.parse(yaml: yaml, file: "gw.yaml", environment: [:])
    }

    static func file(listen: String = "127.0.0.1:8080", prefix: String = "idem", onUnavailable: String = "reject",
                     maxBody: String = "1MiB", level: String = "info", route: String = "orders", url: String = "http://127.0.0.1:3000") -> String {
        """
        version: 1
        listen: "\(listen)"
        admin: { listen: "127.0.0.1:9090" }
        store:
          backend: redis
          redis: { url: "redis://127.0.0.1:6379" }
          key_prefix: \(prefix)
          on_unavailable: \(onUnavailable)
        limits: { max_request_body: \(maxBody) }
        log: { level: \(level) }
        upstreams:
          main: { url: "\(url)" }
        routes:
          - name: \(route)
            match: { path_prefix: /v1 }
            upstream: main
            idempotency: { lock_ttl: 3s }
        """
    }

    @Test func routesAndUpstreamsNeedNoRestart() throws {
        let running = try Self.load(Self.file())
        let next = try Self.load(Self.file(route: "invoices", url: "http://127.0.0.1:4000/base"))
        #expect(next.fieldsNeedingRestart(comparedTo: running).isEmpty)
        #expect(running.fieldsNeedingRestart(comparedTo: running).isEmpty)
    }

    @Test func listenersStoreLimitsAndLogNeedARestart() throws {
        let running = try Self.load(Self.file())
        let next = try Self.load(Self.file(listen: "127.0.0.1:8081", prefix: "other", onUnavailable: "pass_through",
                                           maxBody: "2MiB", level: "debug", route: "invoices"))
        #expect(next.fieldsNeedingRestart(comparedTo: running) == ["listen", "store.key_prefix", "store.on_unavailable", "limits", "log"])
    }
}
