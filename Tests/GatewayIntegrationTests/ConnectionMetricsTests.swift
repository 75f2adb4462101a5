import Testing

/// The server side's connection figures: connections refused past
/// `max_connections`, and client timeouts by kind, each counted once per
/// connection it ended.
@Suite(.serialized)
struct ConnectionMetricsTests {
    static let limits = """
        limits:
          max_request_body: 64KiB
          max_stored_body: 512KiB
          client_header_timeout: 1s
          client_body_timeout: 1s
          keepalive_timeout: 1s
          send_timeout: 2s
          max_connections: 3
        """

    @Test func refusedConnectionsAndTimeoutsAreCountedByKind() async throws {
        let f = try await GatewayFixture(limits: Self.limits)
        let before = try await f.metrics()
        for kind in ["header", "body", "keepalive", "send"] {
            #expect(before.value("client_timeouts_total", ["kind": kind]) == 0)
        }
        #expect(before.value("client_connections_refused_total") == 0)

        // header: half a head; body: a head announcing more body than sent;
        // keepalive: one answered request, then silence.
        let header = try await RawConnection.open(port: f.port)
        #expect(await header.send("POST /v1/refunds HTTP/1.1\r\nHost: gw\r\n"))
        let body = try await RawConnection.open(port: f.port)
        #expect(await body.send("POST /v1/refunds HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nab"))
        let idle = try await RawConnection.open(port: f.port)
        #expect(await idle.send("GET /ping HTTP/1.1\r\nHost: gw\r\n\r\n"))
        #expect(await idle.next()?.status == 201)

        // Three open: a fourth is refused at once.
        let surplus = try await RawConnection.open(port: f.port)
        #expect(await surplus.waitForClose(limit: .seconds(2)) != nil)

        #expect(await header.next()?.status == 408)
        #expect(await body.next()?.status == 408)
        #expect(await idle.waitForClose(limit: .seconds(5)) != nil)
        _ = await header.waitForClose(limit: .seconds(5))
        _ = await body.waitForClose(limit: .seconds(5))

        let after = try await f.metrics()
        #expect(after.value("client_connections_refused_total") == 1)
        #expect(after.value("client_timeouts_total", ["kind": "header"]) == 1)
        #expect(after.value("client_timeouts_total", ["kind": "body"]) == 1)
        #expect(after.value("client_timeouts_total", ["kind": "keepalive"]) == 1)
        #expect(after.value("client_timeouts_total", ["kind": "send"]) == 0)   // counted in ClientTimeoutTests
        await f.shutdown()
    }
}
