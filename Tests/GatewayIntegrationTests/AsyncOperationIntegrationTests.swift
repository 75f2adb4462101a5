import ExampleUpstream
import Foundation
import GatewayCore
import GatewayRedis
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `idempotency.async` end to end: real Redis, the counting upstream and the
/// gateway binary. The upstream delays its answer (`X-Upstream-Delay-Ms`).
@Suite(.serialized)
struct AsyncOperationIntegrationTests {
    static let routes = """
        routes:
          - name: jobs
            match: { path_prefix: /v1/jobs }
            upstream: patient
            idempotency:
              scope_headers: [Authorization]
              lock_ttl: 2s
              async: { after: 1s }
          - name: plain
            match: { path_prefix: / }
            upstream: main
        """

    static func start(_ path: String, port: Int, key: String, tenant: String = "Bearer a", delayMs: Int) async throws -> TestResponse {
        try await TestHTTPClient.send(port: port, path: path,
                                      headers: [("Idempotency-Key", key), ("Authorization", tenant), ("X-Upstream-Delay-Ms", String(delayMs)),
                                                ("Content-Type", "application/json")],
                                      body: Array(#"{"amount":3}"#.utf8))
    }

    static func poll(_ location: String, port: Int, tenant: String? = "Bearer a") async throws -> TestResponse {
        try await TestHTTPClient.send(port: port, method: "GET", path: location, headers: tenant.map { [("Authorization", $0)] } ?? [])
    }

    /// Another gateway on the fixture's Redis and upstream, with the same routes.
    static func secondGateway(beside f: GatewayFixture) async throws -> GatewayProcess {
        try await GatewayProcess(yaml: GatewayFixture.yaml(
            store: GatewayFixture.redisStore(port: f.redis.port), upstreamPort: f.upstream.port, routes: Self.routes,
            extraUpstreams: GatewayFixture.patientUpstream(port: f.upstream.port)))
    }

    /// Polls until the answer is no longer 202, for up to `limit`.
    static func pollUntilSettled(_ location: String, port: Int, limit: Duration) async throws -> TestResponse {
        let deadline = ContinuousClock.now + limit
        var response = try await poll(location, port: port)
        while response.status == 202, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            response = try await poll(location, port: port)
        }
        return response
    }

    @Test func aFiveSecondCallBehindAfterOneSecondIsPolledToItsStoredResponse() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: GatewayFixture.patientUpstream)
        let started = ContinuousClock.now
        let accepted = try await Self.start("/v1/jobs", port: f.port, key: "job-1", delayMs: 5000)
        #expect(accepted.status == 202)
        #expect(ContinuousClock.now - started < .seconds(4))
        let location = try #require(accepted.header("Location"))
        let id = String(location.dropFirst("/_operations/".count))
        #expect(location.hasPrefix("/_operations/") && id.count == 32)
        #expect(accepted.header("Retry-After") == "1")
        #expect(accepted.header("Content-Type") == "application/json")
        #expect(accepted.text == #"{"operation":"\#(id)","state":"running"}"#)

        let running = try await Self.poll(location, port: f.port)
        #expect(running.status == 202)
        #expect(running.header("Retry-After") == "1")
        #expect(running.text == accepted.text)
        let retry = try await Self.start("/v1/jobs", port: f.port, key: "job-1", delayMs: 5000)
        #expect(retry.status == 202)
        #expect(retry.header("Location") == location)
        #expect(retry.text == accepted.text)

        // Another tenant, no tenant, an id nobody was given: all the same 404.
        let stranger = try await Self.poll(location, port: f.port, tenant: "Bearer b")
        #expect(stranger.status == 404)
        #expect(stranger.text.contains("operation-not-found"))
        #expect(try await Self.poll(location, port: f.port, tenant: nil).status == 404)
        let unknown = try await Self.poll("/_operations/" + String(repeating: "a", count: 32), port: f.port)
        #expect(unknown.status == 404)
        #expect(unknown.text == stranger.text)

        let done = try await Self.pollUntilSettled(location, port: f.port, limit: .seconds(10))
        #expect(done.status == 201)
        #expect(done.header("Idempotent-Replayed") == "true")
        #expect(done.text.contains(#""execution":1"#))
        #expect(done.text.contains(#""key":"job-1""#))
        #expect(f.ledger.executions(key: "job-1") == 1)
        let replay = try await Self.start("/v1/jobs", port: f.port, key: "job-1", delayMs: 5000)
        #expect(replay.status == 201)
        #expect(replay.body == done.body)
        #expect(f.ledger.executions(key: "job-1") == 1)

        // Every key the operation left has a TTL: record, fence, operation.
        let keys = try await f.redisKeys(includingFences: true)
        #expect(keys.contains("idem:op:{\(id)}"))
        #expect(keys.count == 3)
        for key in keys {
            let ttl = try await f.redisPTTL(key)
            #expect(ttl > 0, "\(key) has PTTL \(ttl)")
        }
        let metrics = try await f.metrics()
        #expect(metrics.value("idempotency_operations_total", ["route": "jobs", "state": "started"]) == 1)
        #expect(metrics.value("idempotency_operations_total", ["route": "jobs", "state": "completed"]) == 1)
        #expect(metrics.value("idempotency_operations_total", ["route": "jobs", "state": "lost"]) == 0)
        // The 202s: the first request, the retry and every poll while it ran.
        #expect((metrics.value("idempotency_requests_total", ["route": "jobs", "outcome": "accepted"]) ?? 0) >= 3)
        await f.shutdown()
    }

    @Test func aCallFasterThanAfterIsAnsweredAsUsual() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: GatewayFixture.patientUpstream)
        let response = try await Self.start("/v1/jobs", port: f.port, key: "fast-1", delayMs: 100)
        #expect(response.status == 201)
        #expect(response.header("Location") == nil)
        #expect(response.text.contains(#""execution":1"#))
        #expect(try await f.redisKeys(includingFences: true).allSatisfy { !$0.hasPrefix("idem:op:") })
        #expect(f.ledger.executions(key: "fast-1") == 1)
        await f.shutdown()
    }

    /// A body too large to keep streams from the moment its head arrives:
    /// within `after`, the client gets the stream as on any route.
    @Test func aStreamedResponseThatStartsWithinAfterStreamsAsUsual() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: GatewayFixture.patientUpstream)
        let size = 600 * 1024
        let response = try await TestHTTPClient.send(port: f.port, path: "/v1/jobs",
                                                     headers: [("Idempotency-Key", "stream-1"), ("Authorization", "Bearer a"),
                                                               ("X-Upstream-Stream-Size", String(size))],
                                                     body: Array(#"{"amount":3}"#.utf8))
        #expect(response.status == 201)
        #expect(response.header("Location") == nil)
        #expect(response.body.count == size)
        #expect(try await f.redisKeys(includingFences: true).allSatisfy { !$0.hasPrefix("idem:op:") })
        await f.shutdown()
    }

    /// Over a Redis Cluster the operation key (`idem:op:{id}`) and the
    /// record key hash to different slots, usually on different masters:
    /// each is written and read where it lives, never in one script.
    @Test func operationsWorkAcrossClusterSlots() async throws {
        let cluster = try await RedisClusterProcess.start()
        let upstream = try await ExampleUpstreamServer.start()
        let gateway = try await GatewayProcess(yaml: GatewayFixture.yaml(
            store: cluster.storeYAML(), upstreamPort: upstream.port, routes: Self.routes,
            extraUpstreams: GatewayFixture.patientUpstream(port: upstream.port)))
        var slots: [(operation: Int, record: Int)] = []
        for index in 0..<3 {
            let key = "cluster-\(index)"
            let accepted = try await Self.start("/v1/jobs", port: gateway.port, key: key, delayMs: 1500)
            #expect(accepted.status == 202)
            let location = try #require(accepted.header("Location"))
            #expect(try await Self.poll(location, port: gateway.port).status == 202)
            let done = try await Self.pollUntilSettled(location, port: gateway.port, limit: .seconds(8))
            #expect(done.status == 201)
            #expect(done.header("Idempotent-Replayed") == "true")
            #expect(upstream.ledger.executions(key: key) == 1)
            let id = String(location.dropFirst("/_operations/".count))
            let record = StoreKey(prefix: "idem", route: "jobs", scope: ["Bearer a"], key: try IdempotencyKey.parse(key).get()).value
            slots.append((RedisKeySlot.slot(of: "idem:op:{\(id)}"), RedisKeySlot.slot(of: record)))
        }
        #expect(slots.contains { $0.operation != $0.record })
        await gateway.kill9()
        await upstream.stop()
        cluster.stop()
    }

    /// SIGTERM while an operation runs: no connection holds it, yet the
    /// gateway lets it finish and settle (within `shutdown_timeout`) before
    /// it exits, so another gateway then answers the poll with its response.
    @Test func aGracefulShutdownLetsARunningOperationSettle() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: GatewayFixture.patientUpstream,
                                         extraTopLevel: "shutdown_timeout: 10s")
        let other = try await Self.secondGateway(beside: f)
        let accepted = try await Self.start("/v1/jobs", port: f.port, key: "drain-1", delayMs: 2500)
        #expect(accepted.status == 202)
        let location = try #require(accepted.header("Location"))
        f.gateway.signal(SIGTERM)
        #expect(await f.gateway.waitForExit(timeout: .seconds(10)) == 0)

        let done = try await Self.poll(location, port: other.port)
        #expect(done.status == 201)
        #expect(done.header("Idempotent-Replayed") == "true")
        #expect(done.text.contains(#""key":"drain-1""#))
        #expect(f.ledger.executions(key: "drain-1") == 1)
        await other.kill9()
        await f.upstream.stop()
        f.redis.stop()
    }

    /// The gateway running the call dies (SIGKILL); once its lease runs out
    /// another gateway on the same Redis says the operation is lost.
    @Test func aGatewayKilledMidOperationLeavesItLostAfterLockTTL() async throws {
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: GatewayFixture.patientUpstream)
        let other = try await Self.secondGateway(beside: f)
        let accepted = try await Self.start("/v1/jobs", port: f.port, key: "doomed-1", delayMs: 5000)
        #expect(accepted.status == 202)
        let location = try #require(accepted.header("Location"))
        #expect(try await Self.poll(location, port: other.port).status == 202)
        await f.gateway.kill9()
        let killedAt = ContinuousClock.now

        let lost = try await Self.pollUntilSettled(location, port: other.port, limit: .seconds(6))
        #expect(ContinuousClock.now - killedAt >= .milliseconds(1000))
        #expect(lost.status == 502)
        #expect(lost.header("Content-Type") == "application/problem+json")
        #expect(lost.text.contains("tag:idempotency-gateway,2026:operation-lost"))
        let metrics = PrometheusText(try await TestHTTPClient.send(port: other.adminPort, method: "GET", path: "/metrics").text)
        #expect((metrics.value("idempotency_operations_total", ["route": "jobs", "state": "lost"]) ?? 0) >= 1)
        await other.kill9()
        await f.upstream.stop()
        f.redis.stop()
    }
}
