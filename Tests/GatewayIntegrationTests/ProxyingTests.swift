import Testing

/// What crosses the gateway: hop-by-hop headers stay behind, forwarding
/// headers are added, and keys are scoped per tenant and per route.
@Suite(.serialized)
struct ProxyingTests {
    @Test func hopByHopHeadersAreStrippedBothWays() async throws {
        let f = try await GatewayFixture()
        let response = try await f.post("/v1/refunds", key: "hop-1", headers: [
            ("Connection", "keep-alive, X-Client-Secret"), ("X-Client-Secret", "s3cret"), ("Keep-Alive", "timeout=5"),
            ("Proxy-Connection", "keep-alive"), ("TE", "trailers"), ("Upgrade", "websocket"),
            ("X-Upstream-Hop", "1"), ("X-Forwarded-For", "203.0.113.7"),
        ])
        #expect(response.status == 201)
        let seen = try #require(f.ledger.requests.last)
        for name in ["X-Client-Secret", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade", "Transfer-Encoding"] {
            #expect(seen.header(name) == nil, "upstream received \(name)")
        }
        #expect(seen.header("Idempotency-Key") == "hop-1")
        #expect(seen.header("X-Forwarded-For") == "203.0.113.7, 127.0.0.1")
        #expect(seen.header("X-Forwarded-Proto") == "http")
        #expect(seen.header("X-Forwarded-Host") == "127.0.0.1:\(f.port)")

        for name in ["X-Hop-Secret", "Keep-Alive", "Proxy-Connection", "Trailer", "Upgrade"] {
            #expect(response.header(name) == nil, "client received \(name)")
        }
        let replay = try await f.post("/v1/refunds", key: "hop-1", headers: [
            ("Connection", "keep-alive, X-Client-Secret"), ("X-Client-Secret", "s3cret"), ("Keep-Alive", "timeout=5"),
            ("Proxy-Connection", "keep-alive"), ("TE", "trailers"), ("Upgrade", "websocket"),
            ("X-Upstream-Hop", "1"), ("X-Forwarded-For", "203.0.113.7"),
        ])
        #expect(replay.header("Idempotent-Replayed") == "true")
        #expect(replay.header("X-Hop-Secret") == nil)
        #expect(replay.header("Keep-Alive") == nil)
        await f.shutdown()
    }

    /// A client may pipeline: every request is answered, in the order sent,
    /// the keyed retry behind its original replays rather than racing it,
    /// and a request the parser refuses is answered 400 only after the ones
    /// before it, then the connection closes.
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let f = try await GatewayFixture()
        let keyed = "POST /v1/refunds HTTP/1.1\r\nHost: x\r\nIdempotency-Key: pipe-1\r\nContent-Length: 2\r\n\r\n{}"
        let plain = "GET /status HTTP/1.1\r\nHost: x\r\nX-Upstream-Status: 200\r\n\r\n"
        let smuggled = "POST /v1/refunds HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        let bytes = Array((keyed + keyed + plain + smuggled + plain).utf8)
        let (responses, closed) = try await TestHTTPClient.sendPipelined(port: f.port, bytes: bytes, responses: 5,
                                                                         closeWithin: .seconds(2))
        #expect(responses.map(\.status) == [201, 201, 200, 400])
        #expect(responses.first?.header("Idempotent-Replayed") == nil)
        #expect(responses.dropFirst().first?.header("Idempotent-Replayed") == "true")
        #expect(responses.dropFirst().first?.body == responses.first?.body)
        #expect(responses.last?.header("Content-Type") == "application/problem+json")
        #expect(Set(responses.compactMap { $0.header("X-Request-Id") }).count == 3)
        #expect(closed)
        #expect(f.ledger.executions(key: "pipe-1") == 1)
        #expect(f.ledger.totalExecutions == 2)
        await f.shutdown()
    }

    /// A response the client asked to end the connection after is written
    /// whole before the close, even when it is larger than the socket's
    /// send buffer.
    @Test func aLargeResponseBeforeACloseArrivesWhole() async throws {
        // Its own upstream with a generous timeout: 8 MB through two debug
        // builds on a loaded 2-core machine can take longer than the default 2 s.
        let f = try await GatewayFixture(routes: """
            routes:
              - name: big
                match: { path_prefix: / }
                upstream: patient
            """, extraUpstreams: GatewayFixture.patientUpstream)
        let request = "GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Upstream-Status: 200\r\nX-Upstream-Body-Size: 8000000\r\n\r\n"
        let (response, closed) = try await TestHTTPClient.sendRaw(port: f.port, bytes: Array(request.utf8), closeWithin: .seconds(2))
        #expect(response.status == 200)
        #expect(response.body.count == 8_000_000)
        #expect(closed)
        await f.shutdown()
    }

    /// Keep-alive as HTTP/1.0 spells it: a 1.0 client is told the connection
    /// stays open, and one that did not ask is answered and closed.
    @Test func http10KeepAliveIsAnsweredInKind() async throws {
        let f = try await GatewayFixture()
        let kept = "GET /status HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        let (first, closedAfterKept) = try await TestHTTPClient.sendRaw(port: f.port, bytes: Array(kept.utf8), closeWithin: .milliseconds(300))
        #expect(first.status == 201)
        #expect(first.header("Connection") == "keep-alive")
        #expect(!closedAfterKept)
        let (second, closedAfterPlain) = try await TestHTTPClient.sendRaw(port: f.port, bytes: Array("GET /status HTTP/1.0\r\n\r\n".utf8),
                                                                         closeWithin: .seconds(2))
        #expect(second.status == 201)
        #expect(second.header("Connection") == "close")
        #expect(closedAfterPlain)
        await f.shutdown()
    }

    @Test func keysAreScopedByHeaderAndRoute() async throws {
        let f = try await GatewayFixture()
        let alice = try await f.post("/v1/charges", key: "shared-key", headers: [("Authorization", "Bearer alice")])
        let bob = try await f.post("/v1/charges", key: "shared-key", headers: [("Authorization", "Bearer bob")])
        #expect(alice.status == 201)
        #expect(bob.status == 201)
        #expect(bob.header("Idempotent-Replayed") == nil)
        #expect(alice.body != bob.body)
        let aliceAgain = try await f.post("/v1/charges", key: "shared-key", headers: [("Authorization", "Bearer alice")])
        #expect(aliceAgain.body == alice.body)
        #expect(aliceAgain.header("Idempotent-Replayed") == "true")

        let otherRoute = try await f.post("/v1/refunds", key: "shared-key")
        #expect(otherRoute.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "shared-key") == 3)

        // Neither the key nor the bearer token reaches Redis in clear.
        let keys = try await f.redisKeys()
        #expect(keys.count == 3)
        #expect(keys.allSatisfy { !$0.contains("shared-key") && !$0.contains("alice") })
        await f.shutdown()
    }

    @Test func everyStoredKeyHasATTL() async throws {
        let f = try await GatewayFixture()
        _ = try await f.post("/v1/refunds", key: "ttl-check-1")
        _ = try await f.post("/v1/charges", key: "ttl-check-2")
        // Two records, each with its fencing counter; the counter outlives
        // its record by one TTL (24 h here), so it never restarts under a
        // stale owner.
        let keys = try await f.redisKeys(includingFences: true)
        #expect(keys.count == 4)
        for key in keys {
            let ttl = try await f.redisPTTL(key)
            let limit: Int64 = key.hasSuffix(":fence") ? 2 * 86_400_000 : 86_400_000
            #expect(ttl > 0 && ttl <= limit, "key \(key) has PTTL \(ttl)")
        }
        await f.shutdown()
    }

    @Test func methodsOutsideThePolicyPassThrough() async throws {
        let f = try await GatewayFixture()
        let first = try await TestHTTPClient.send(port: f.port, method: "PUT", path: "/v1/refunds", headers: [("Idempotency-Key", "put-1")])
        let second = try await TestHTTPClient.send(port: f.port, method: "PUT", path: "/v1/refunds", headers: [("Idempotency-Key", "put-1")])
        #expect(first.status == 201)
        #expect(second.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "put-1") == 2)
        let keys = try await f.redisKeys()
        #expect(keys.isEmpty)
        await f.shutdown()
    }
}
