import Testing

/// Client connections bounded like nginx: each timeout closes a connection
/// at its time (a 408 when a request was under way, silently when idle),
/// and `max_connections` refuses the surplus at once while the connections
/// already open keep being served. Timeouts here are 1 s (send: 2 s), so the
/// bounds below are generous against a busy machine.
@Suite(.serialized)
struct ClientTimeoutTests {
    static let limits = """
        limits:
          max_request_body: 64KiB
          max_stored_body: 512KiB
          client_header_timeout: 1s
          client_body_timeout: 1s
          keepalive_timeout: 1s
          send_timeout: 2s
          max_connections: 50
        """

    @Test func anIdleConnectionIsClosedSilentlyAtKeepaliveTimeout() async throws {
        let f = try await GatewayFixture(limits: Self.limits)
        let connection = try await RawConnection.open(port: f.port)
        #expect(await connection.send("GET /ping HTTP/1.1\r\nHost: gw\r\n\r\n"))
        #expect(await connection.next()?.status == 201)
        let answered = ContinuousClock.now
        let closed = try #require(await connection.waitForClose(limit: .seconds(5)))
        print("keepalive_timeout 1s: closed \(closed - answered) after the answer")
        #expect((.milliseconds(900)...(.milliseconds(2000))).contains(closed - answered))
        #expect(await connection.next() == nil)
        await f.shutdown()
    }

    @Test func aHalfSentHeadGets408AtHeaderTimeout() async throws {
        let f = try await GatewayFixture(limits: Self.limits)
        let connection = try await RawConnection.open(port: f.port)
        let started = ContinuousClock.now
        #expect(await connection.send("POST /v1/refunds HTTP/1.1\r\nHost: gw\r\nIdempotency-Key: slow\r\n"))
        let response = try #require(await connection.next())
        #expect(response.status == 408)
        #expect(response.text.contains("request-timeout"))
        let closed = try #require(await connection.waitForClose(limit: .seconds(5)))
        print("client_header_timeout 1s: 408 and close \(closed - started) after the first byte")
        #expect((.milliseconds(900)...(.milliseconds(2000))).contains(closed - started))
        #expect(f.ledger.totalExecutions == 0)
        #expect(try await f.redisKeys().isEmpty)
        await f.shutdown()
    }

    @Test func aStalledBodyGets408AtBodyTimeoutAndLeavesNoClaim() async throws {
        let f = try await GatewayFixture(limits: Self.limits)
        let connection = try await RawConnection.open(port: f.port)
        #expect(await connection.send("POST /v1/refunds HTTP/1.1\r\nHost: gw\r\nIdempotency-Key: stall\r\nContent-Length: 10\r\n\r\nabc"))
        // Reads keep the body alive: the timeout runs from the last one.
        try await Task.sleep(for: .milliseconds(700))
        #expect(await connection.send("def"))
        let lastRead = ContinuousClock.now
        let response = try #require(await connection.next())
        #expect(response.status == 408)
        let closed = try #require(await connection.waitForClose(limit: .seconds(5)))
        print("client_body_timeout 1s: 408 and close \(closed - lastRead) after the last read")
        #expect((.milliseconds(900)...(.milliseconds(2000))).contains(closed - lastRead))
        #expect(f.ledger.totalExecutions == 0)
        #expect(try await f.redisKeys().isEmpty)
        await f.shutdown()
    }

    @Test func aClientThatDoesNotReadItsResponseIsCutOffAtSendTimeout() async throws {
        // On `patient` (10 s): making 16 MiB can take the example upstream
        // over `main`'s 2 s on a busy machine, and a 504 followed by the
        // keepalive timeout would then pass for a send timeout.
        let routes = """
            routes:
              - name: big
                match: { path_prefix: /big }
                upstream: patient
            """
        let f = try await GatewayFixture(routes: routes, limits: Self.limits, extraUpstreams: GatewayFixture.patientUpstream)
        let connection = try await RawConnection.open(port: f.port, reading: false)
        // 16 MiB: more than the kernel buffers on both ends hold.
        #expect(await connection.send("GET /big HTTP/1.1\r\nHost: gw\r\nX-Upstream-Body-Size: 16777216\r\n\r\n"))
        // The cut-off is a reset: a FIN would wait behind the unsent answer.
        let closed = try #require(await connection.waitForClose(limit: .seconds(30)))
        await f.gateway.waitForLog(containing: "outcome=passthrough")
        let answered = try #require(f.gateway.logLines(containing: "outcome=passthrough").first)
        print("send_timeout 2s: closed \(closed - connection.openedAt) after the request was sent; \(answered.contains("status=201") ? "answered 201" : "not answered 201")")
        #expect(answered.contains("status=201"))
        // The upstream call and the write take some time before the stall.
        #expect(closed - connection.openedAt >= .milliseconds(1900))
        let metrics = try await f.metrics()
        #expect(metrics.value("client_timeouts_total", ["kind": "send"]) == 1)
        #expect(metrics.value("client_timeouts_total", ["kind": "keepalive"]) == 0)
        await f.shutdown()
    }
}
