import ExampleUpstream

/// The real parts a gateway test needs: a redis-server on its own port, the
/// counting upstream, and the gateway binary in front of it, configured by
/// `GatewayFixture.yaml` unless the test brings its own routes.
final class GatewayFixture {
    let redis: RedisServerProcess
    let upstream: ExampleUpstreamServer
    let gateway: GatewayProcess

    var port: Int { gateway.port }
    var ledger: UpstreamLedger { upstream.ledger }

    init(routes: String = GatewayFixture.defaultRoutes, store: String? = nil, limits: String = GatewayFixture.defaultLimits,
         extraUpstreams: (Int) -> String = { _ in "" }, extraTopLevel: String = "", logFormat: String = "text",
         adminToken: String? = nil, replayCache: String? = nil) async throws {
        redis = try await RedisServerProcess.start()
        upstream = try await ExampleUpstreamServer.start()
        let storeYAML = store ?? GatewayFixture.redisStore(port: redis.port, replayCache: replayCache)
        let yaml = Self.yaml(store: storeYAML, upstreamPort: upstream.port, routes: routes, limits: limits,
                             extraUpstreams: extraUpstreams(upstream.port), extraTopLevel: extraTopLevel, logFormat: logFormat,
                             adminToken: adminToken)
        gateway = try await Self.startGateway(yaml: yaml)
    }

    /// A free port can be taken by another process before the gateway binds
    /// it; the gateway then exits saying so (`ListenerTests`), and a new pair
    /// of ports is the harness's business, not the test's. Any other failure
    /// to start fails the test at once.
    private static func startGateway(yaml: String) async throws -> GatewayProcess {
        var attempt = 1
        while true {
            do {
                return try await GatewayProcess(yaml: yaml)
            } catch let failure as GatewayFailedToStart where failure.log.contains("cannot listen on") && attempt < 3 {
                attempt += 1
            }
        }
    }

    /// Stops everything; call at the end of each test.
    func shutdown() async {
        await gateway.kill9()
        await upstream.stop()
        redis.stop()
    }

    /// `replayCache`: `store.redis.replay_cache`, when a test needs other
    /// than the default (1s), e.g. `0s` to see what it wrote into Redis
    /// behind the gateway's back.
    static func redisStore(port: Int, onUnavailable: String = "reject", replayCache: String? = nil) -> String {
        """
        store:
          backend: redis
          redis:
            url: "redis://127.0.0.1:\(port)"
            timeout: 300ms\(replayCache.map { "\n    replay_cache: \($0)" } ?? "")
          key_prefix: "idem"
          on_unavailable: \(onUnavailable)
        """
    }

    /// An extra upstream `patient` on the fixture's upstream, for calls
    /// slower than `main`'s 2 s timeout allows.
    static func patientUpstream(port: Int) -> String {
        """
          patient:
            url: "http://127.0.0.1:\(port)"
            timeout: 10s
            connect_timeout: 1s
        """
    }

    static let defaultLimits = """
        limits:
          max_request_body: 64KiB
          max_stored_body: 512KiB
        """

    /// Routes every test can use; each exercises one policy.
    static let defaultRoutes = """
        routes:
          - name: charges
            match: { path_prefix: /v1/charges }
            upstream: main
            idempotency:
              scope_headers: [Authorization]
              fingerprint_headers: [X-Account]
              lock_ttl: 3s
          - name: refunds
            match: { path_prefix: /v1/refunds }
            upstream: main
            idempotency: { lock_ttl: 3s }
          - name: orders
            match: { path_prefix: /v1/orders }
            upstream: main
            idempotency: { required: true, lock_ttl: 3s }
          - name: waiting
            match: { path_prefix: /v1/waiting }
            upstream: main
            idempotency: { on_conflict: wait, wait_timeout: 5s, lock_ttl: 3s }
          - name: brief
            match: { path_prefix: /v1/brief }
            upstream: main
            idempotency: { ttl: 1s, lock_ttl: 3s }
          - name: slow
            match: { path_prefix: /v1/slow }
            upstream: impatient
            idempotency: { lock_ttl: 3s }
          - name: ghost
            match: { path_prefix: /v1/ghost }
            upstream: nowhere
            idempotency: { lock_ttl: 3s }
          - name: plain
            match: { path_prefix: / }
            upstream: main
        """

    static func yaml(store: String, upstreamPort: Int, routes: String, limits: String = defaultLimits,
                     extraUpstreams: String = "", extraTopLevel: String = "", logFormat: String = "text",
                     adminToken: String? = nil) -> String {
        """
        version: 1
        \(extraTopLevel)
        listen: "127.0.0.1:{{PORT}}"
        admin:
          listen: "127.0.0.1:{{ADMIN_PORT}}"
        \(adminToken.map { "  token: \"\($0)\"" } ?? "")
        \(store)
        \(limits)
        log:
          level: info
          format: \(logFormat)
        upstreams:
          main:
            url: "http://127.0.0.1:\(upstreamPort)"
            timeout: 2s
            connect_timeout: 1s
          impatient:
            url: "http://127.0.0.1:\(upstreamPort)"
            timeout: 500ms
            connect_timeout: 300ms
          nowhere:
            url: "http://127.0.0.1:\(FreePort.next())"
            timeout: 2s
            connect_timeout: 1s
        \(extraUpstreams)
        \(routes)
        """
    }
}
