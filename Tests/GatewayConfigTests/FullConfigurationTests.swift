import GatewayCore
import Testing

@testable import GatewayConfig

@Suite("Valid files")
struct FullConfigurationTests {
    static let full = """
        version: 1
        listen: "0.0.0.0:8443"
        admin:
          listen: "127.0.0.1:9191"
        store:
          backend: redis
          redis:
            url: "redis://gateway:s3cret@redis.internal:6380/2"
            timeout: 250ms
          key_prefix: "prod-idem"
          on_unavailable: pass_through
        limits:
          max_request_body: 2MiB
          max_stored_body: 512KiB
        log:
          format: json
          level: debug
        shutdown_timeout: 45s
        upstreams:
          payments:
            url: "https://payments.internal:8443/api/"
            timeout: 20s
            connect_timeout: 1500ms
          search:
            url: "http://127.0.0.1:9001"
        routes:
          - name: charges
            match:
              path_prefix: /v1/charges
              methods: [post, GET]
            upstream: payments
            idempotency:
              header: X-Request-Key
              methods: [POST, PUT]
              required: true
              ttl: 12h
              lock_ttl: 90s
              scope_headers: [Authorization]
              fingerprint_headers: [Content-Type]
              store_statuses: [2xx, 404]
              on_conflict: wait
              wait_timeout: 5s
          - name: health
            match:
              path: /healthz
            upstream: search

        """

    @Test func fullExampleParsesToExpectedValues() throws {
        let config = try ConfigFixtures.parse(Self.full)
        #expect(config.listen == ListenAddress(host: "0.0.0.0", port: 8443))
        #expect(config.adminListen == ListenAddress(host: "127.0.0.1", port: 9191))
        #expect(config.store.backend == .redis(RedisSettings(
            host: "redis.internal", port: 6380, username: "gateway", password: "s3cret", database: 2,
            timeout: .milliseconds(250))))
        #expect(config.store.keyPrefix == "prod-idem")
        #expect(config.store.onUnavailable == .passThrough)
        #expect(config.limits.maxRequestBody == ByteSize(bytes: 2 << 20))
        #expect(config.limits.maxStoredBody == ByteSize(bytes: 512 << 10))
        #expect(config.log.format == .json)
        #expect(config.log.level == "debug")
        #expect(config.shutdownTimeout == .seconds(45))

        let payments = UpstreamSettings(
            name: "payments", baseURL: "https://payments.internal:8443/api", timeout: .seconds(20),
            connectTimeout: .milliseconds(1500))
        let search = UpstreamSettings(name: "search", baseURL: "http://127.0.0.1:9001")
        #expect(config.upstreams == ["payments": payments, "search": search])

        #expect(config.routes.map(\.name) == ["charges", "health"])
        let charges = config.routes[0]
        #expect(charges.match == RouteMatch(path: .prefix("/v1/charges"), methods: ["POST", "GET"]))
        #expect(charges.upstream == payments)
        var policy = IdempotencyPolicy()
        policy.header = "X-Request-Key"
        policy.methods = ["POST", "PUT"]
        policy.required = true
        policy.ttl = .seconds(12 * 3600)
        policy.lockTTL = .seconds(90)
        policy.scopeHeaders = ["Authorization"]
        policy.fingerprintHeaders = ["Content-Type"]
        policy.storePolicy = StorePolicy(patterns: [.statusClass(2), .exact(404)])
        policy.onConflict = .wait
        policy.waitTimeout = .seconds(5)
        #expect(charges.idempotency == policy)

        let health = config.routes[1]
        #expect(health.match == RouteMatch(path: .exact("/healthz"), methods: nil))
        #expect(health.upstream == search)
        #expect(health.idempotency == nil)
    }

    @Test func minimalFileTakesEveryDefault() throws {
        let config = try ConfigFixtures.parse(ConfigFixtures.minimal)
        #expect(config.listen == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(config.adminListen == ListenAddress(host: "127.0.0.1", port: 9090))
        #expect(config.store.backend == .redis(RedisSettings(host: "127.0.0.1", port: 6379, timeout: .milliseconds(500))))
        #expect(config.store.keyPrefix == "idem")
        #expect(config.store.onUnavailable == .reject)
        #expect(config.limits.maxRequestBody.bytes == 1 << 20)
        #expect(config.limits.maxStoredBody.bytes == 1 << 20)
        #expect(config.log.format == .text)
        #expect(config.log.level == "info")
        #expect(config.shutdownTimeout == .seconds(30))
        let upstream = try #require(config.upstreams["payments"])
        #expect(upstream.timeout == .seconds(30))
        #expect(upstream.connectTimeout == .seconds(2))
        #expect(config.routes.count == 1)
        #expect(config.routes[0].idempotency == nil)
    }

    @Test func emptyIdempotencyBlockMeansDefaults() throws {
        let config = try ConfigFixtures.parse(ConfigFixtures.route(idempotency: "{}"))
        #expect(config.routes[0].idempotency == IdempotencyPolicy())
    }

    @Test func memoryBackend() throws {
        let config = try ConfigFixtures.parse(ConfigFixtures.minimal(with: """
            store:
              backend: memory

            """))
        #expect(config.store.backend == .memory)
    }

    @Test func mergeKeysShareABlock() throws {
        let config = try ConfigFixtures.parse("""
            version: 1
            upstreams:
              a: {url: "http://127.0.0.1:9000"}
            routes:
              - name: one
                match: {path: /one}
                upstream: a
                idempotency: &strict
                  required: true
                  ttl: 1h
              - name: two
                match: {path: /two}
                upstream: a
                idempotency:
                  <<: *strict
                  ttl: 2h

            """)
        #expect(config.routes[1].idempotency?.required == true)
        #expect(config.routes[1].idempotency?.ttl == .seconds(7200))
    }

    @Test func repositoryGatewayYAMLPortsFollowTheEnvironment() throws {
        let root = ConfigFixtures.repositoryRoot(from: #filePath)
        let config = try ConfigurationLoader.load(path: root + "/gateway.yaml", environment: [
            "GATEWAY_PORT": "18080", "ADMIN_PORT": "19090", "REDIS_PORT": "16400", "UPSTREAM_PORT": "19000",
        ])
        #expect(config.listen == ListenAddress(host: "127.0.0.1", port: 18080))
        #expect(config.adminListen == ListenAddress(host: "127.0.0.1", port: 19090))
        #expect(config.store.backend == .redis(RedisSettings(port: 16400)))
        #expect(config.routes.first?.upstream.baseURL == "http://127.0.0.1:19000")
    }

    @Test func repositoryGatewayYAMLLoadsCleanly() throws {
        // Tests/GatewayConfigTests/<this file> → the repository root.
        let root = ConfigFixtures.repositoryRoot(from: #filePath)
        let config = try ConfigurationLoader.load(path: root + "/gateway.yaml", environment: [:])
        #expect(config.listen == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(config.adminListen == ListenAddress(host: "127.0.0.1", port: 9090))
        // The quick start's own Redis port, not a 6379 the user may run.
        #expect(config.store.backend == .redis(RedisSettings(port: 6390)))
        #expect(config.routes.map(\.name) == ["charges", "orders", "everything-else"])
        #expect(config.routes.allSatisfy { $0.upstream.name == "example" })
        #expect(config.routes[0].idempotency?.ttl == .seconds(86_400))
        #expect(config.routes[0].idempotency?.lockTTL == .seconds(60))
        let orders = try #require(config.routes[1].idempotency)
        #expect(orders.required)
        #expect(orders.onConflict == .wait)
        #expect(orders.scopeHeaders == ["Authorization"])
        #expect(config.routes[2].idempotency == nil)
        #expect(config.routes[2].match.path == .prefix("/"))
    }
}
