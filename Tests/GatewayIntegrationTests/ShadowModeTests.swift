import Testing

/// `idempotency.mode: shadow` and `idempotency.enabled: false`, end to end.
@Suite(.serialized)
struct ShadowModeTests {
    static let routes = """
        routes:
          - name: shadowed
            match: { path_prefix: /v1/shadowed }
            upstream: main
            idempotency: { mode: shadow, required: true, lock_ttl: 3s }
          - name: disabled
            match: { path_prefix: /v1/disabled }
            upstream: main
            idempotency: { enabled: false, required: true, lock_ttl: 3s }
        """

    static func shadowCount(_ f: GatewayFixture, _ would: String) async throws -> Double {
        try await f.metrics().value("idempotency_shadow_total", ["route": "shadowed", "would": would]) ?? -1
    }

    @Test func aDuplicateExecutesTwiceAndTheClientSeesBothAnswers() async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        let first = try await f.post("/v1/shadowed", key: "dup")
        let second = try await f.post("/v1/shadowed", key: "dup")
        #expect(first.status == 201)
        #expect(second.status == 201)
        #expect(first.header("X-Upstream-Execution") == "1")
        #expect(second.header("X-Upstream-Execution") == "2")
        #expect(first.header("Idempotent-Replayed") == nil)
        #expect(second.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "dup") == 2)
        // The key went to the upstream both times, as sent; the fence only with the claim.
        #expect(f.ledger.requests.map { $0.header("Idempotency-Key") } == ["dup", "dup"])
        #expect(f.ledger.requests.map { $0.header("Idempotency-Fence") } == ["1", nil])
        #expect(try await Self.shadowCount(f, "replay") == 1)
        // The first execution's record is in Redis, with its TTL.
        let keys = try await f.redisKeys().filter { $0.hasPrefix("idem:shadowed:") }
        #expect(keys.count == 1)
        #expect(try await f.redisPTTL(keys[0]) > 0)

        let mismatch = try await f.post("/v1/shadowed", key: "dup", body: #"{"amount":5}"#)
        #expect(mismatch.status == 201)
        #expect(mismatch.header("X-Upstream-Execution") == "3")
        #expect(try await Self.shadowCount(f, "mismatch") == 1)
        let missing = try await f.post("/v1/shadowed", key: nil)
        #expect(missing.status == 201)
        #expect(try await Self.shadowCount(f, "missing_key") == 1)
        #expect(f.gateway.log.contains("idempotency shadow verdict"))
        await f.shutdown()
    }

    @Test func aDuplicateWhileTheFirstRunsIsACountedConflict() async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        let port = f.port
        async let slow = TestHTTPClient.send(port: port, method: "POST", path: "/v1/shadowed",
                                             headers: [("Idempotency-Key", "busy"), ("X-Upstream-Delay-Ms", "800")],
                                             body: Array("{}".utf8))
        try await Task.sleep(for: .milliseconds(300))
        let duplicate = try await f.post("/v1/shadowed", key: "busy", body: "{}")
        #expect(duplicate.status == 201)
        #expect(try await slow.status == 201)
        #expect(f.ledger.executions(key: "busy") == 2)
        #expect(try await Self.shadowCount(f, "conflict") == 1)
        await f.shutdown()
    }

    @Test func disabledIsPurePassThroughAndWritesNothing() async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        for _ in 0..<2 {
            let response = try await f.post("/v1/disabled", key: "same")
            #expect(response.status == 201)
            #expect(response.header("Idempotent-Replayed") == nil)
        }
        #expect(try await f.post("/v1/disabled", key: nil).status == 201)
        #expect(f.ledger.executions(key: "same") == 2)
        // The key header is forwarded as any other header; no fence is added.
        #expect(f.ledger.requests.prefix(2).allSatisfy { $0.header("Idempotency-Key") == "same" && $0.header("Idempotency-Fence") == nil })
        #expect(try await f.redisKeys(includingFences: true).isEmpty)
        await f.shutdown()
    }

    /// The rollout recipe's last step: a reload to `enforce` replays what
    /// the shadow route stored, and the store gates readiness from then on.
    @Test func aReloadToEnforceReplaysWhatShadowStored() async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        let shadowed = try await f.post("/v1/shadowed", key: "rollout")
        #expect(shadowed.status == 201)
        try f.gateway.rewriteConfig(ReloadTests.config(f, routes: Self.routes.replacingOccurrences(of: "mode: shadow", with: "mode: enforce")))
        #expect(try await f.gateway.reload().status == 200)
        let replay = try await f.post("/v1/shadowed", key: "rollout")
        #expect(replay.header("Idempotent-Replayed") == "true")
        #expect(replay.body == shadowed.body)
        #expect(f.ledger.executions(key: "rollout") == 1)
        #expect(try await f.post("/v1/shadowed", key: nil).status == 400)
        f.redis.stop()
        #expect(try await f.admin("/readyz").status == 503)
        await f.shutdown()
    }

    @Test func shadowAndDisabledRoutesStayReadyAndServeWithoutTheStore() async throws {
        let f = try await GatewayFixture(routes: Self.routes)
        try await f.stopStoreAndExpectReady()
        // on_unavailable is reject, yet a shadow route forwards.
        #expect(try await f.post("/v1/shadowed", key: "k").status == 201)
        #expect(try await f.post("/v1/disabled", key: "k").status == 201)
        await f.shutdown()
    }
}
