import Foundation
import GatewayCore
import NIOCore
import Testing

/// Issue 14 item E through the real gateway, Redis and ExampleUpstream: a
/// response larger than `limits.max_stored_body` (512 KiB here) streams to
/// the client with backpressure instead of being buffered, is recorded as not
/// kept, and a client that never reads it is cut off at `send_timeout` with
/// the upstream transfer cancelled. Serialized: the memory bounds read the
/// gateway's resident set.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ResponseStreamingTests {
    static let limits = """
        limits:
          max_request_body: 64KiB
          max_stored_body: 512KiB
          send_timeout: 2s
        """

    private static func get(_ headers: String, path: String = "/big", version: String = "1.1") -> String {
        "GET \(path) HTTP/\(version)\r\nHost: gw\r\n\(headers)\r\n"
    }

    private func waitUntil(_ limit: Duration = .seconds(5), _ condition: () -> Bool) async throws {
        let end = ContinuousClock.now + limit
        while !condition(), ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// The issue's reproduction: 300 MB used to peak at 650 MB RSS.
    @Test func threeHundredMegabytesPassThroughIntactWithPeakRSSUnder100MiB() async throws {
        let f = try await GatewayFixture(limits: Self.limits)
        let length = 300_000_000
        let started = ContinuousClock.now
        let response = try await GeneratedBodyClient.fetch(port: f.port, request: Self.get("X-Upstream-Stream-Size: \(length)\r\n"))
        let elapsed = ContinuousClock.now - started
        let peak = ProcessMemory.peakResident(pid: f.gateway.pid)
        #expect(response.status == 201)
        #expect(response.header("Content-Length") == String(length))
        #expect(response.header("Transfer-Encoding") == nil)
        #expect(response.bodyBytes == length)
        #expect(response.intact)
        #expect(response.complete)
        #expect(!response.closed)
        #expect(peak > 0)
        #expect(peak < 100 << 20, "gateway VmHWM \(peak >> 20) MiB")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("300 MB through the gateway in \(elapsed) (\(Int(Double(length) / seconds / 1e6)) MB/s): gateway VmHWM \(peak >> 20) MiB")
        #expect(f.ledger.totalExecutions == 1)
        await f.shutdown()
    }

    @Test func aKeyedResponseOverTheLimitStreamsOnceAndIsRecordedAsNotKept() async throws {
        let f = try await GatewayFixture(limits: Self.limits)
        let length = 3_000_000
        let body = #"{"amount":100}"#
        let request = "POST /v1/refunds HTTP/1.1\r\nHost: gw\r\nIdempotency-Key: big-1\r\nX-Upstream-Stream-Size: \(length)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let first = try await GeneratedBodyClient.fetch(port: f.port, request: request)
        #expect(first.status == 201)
        #expect(first.bodyBytes == length)
        #expect(first.intact)
        #expect(first.complete)
        #expect(first.header("Idempotent-Replayed") == nil)

        let recordKey = try #require(try await f.redisKeys().first)
        let client = f.redisClient()
        defer { client.shutdown() }
        guard case .bulk(let bytes) = try await client.command(["GET", recordKey]),
              case .completed(_, let snapshot) = IdempotencyRecord.decode(bytes) else {
            Issue.record("no completed record under \(recordKey)")
            await f.shutdown()
            return
        }
        #expect(snapshot.status == 201)
        #expect(!snapshot.bodyKept)
        #expect(snapshot.body.isEmpty)

        let retry = try await f.post("/v1/refunds", key: "big-1", body: body, headers: [("X-Upstream-Stream-Size", String(length))])
        #expect(retry.status == 410)
        #expect(retry.text.contains("tag:idempotency-gateway,2026:response-not-kept"))
        #expect(retry.header("Idempotent-Replayed") == "true")
        #expect(f.ledger.executions(key: "big-1") == 1)
        await f.shutdown()
    }

    /// The issue's other reproduction: 5 clients that never read a 50 MB
    /// response used to hold 245 MB for as long as they stayed connected.
    @Test func clientsThatNeverReadCostLittleAndAreCutOffAtSendTimeoutWithTheUpstreamCancelled() async throws {
        let f = try await GatewayFixture(limits: Self.limits)
        let length = 50_000_000
        // One read to the end first, so what follows measures the stalled
        // clients, not the first use of buffers and threads.
        let warmUp = try await GeneratedBodyClient.fetch(port: f.port, request: Self.get("X-Upstream-Stream-Size: \(length)\r\n"))
        #expect(warmUp.bodyBytes == length && warmUp.intact)
        let before = ProcessMemory.resident(pid: f.gateway.pid)
        var connections: [(connection: RawConnection, port: Int, sent: ContinuousClock.Instant)] = []
        for _ in 0..<5 {
            let connection = try await RawConnection.open(port: f.port, reading: false)
            #expect(await connection.send(Self.get("X-Upstream-Stream-Size: \(length)\r\n")))
            connections.append((connection, try #require(connection.channel.localAddress?.port), .now))
        }
        let sent = ContinuousClock.now
        try await Task.sleep(for: .seconds(1))
        let stalled = ProcessMemory.resident(pid: f.gateway.pid)
        let growth = stalled - before
        print("5 clients not reading 50 MB: gateway RSS \(before >> 10) KiB -> \(stalled >> 10) KiB (+\((growth / 5) >> 10) KiB per client)")
        #expect(growth < 5 * (3 << 20), "RSS grew by \(growth >> 10) KiB")
        // Paused, not finished: the upstream is still mid-body on each.
        #expect(f.ledger.generatedBodiesAbandoned == 0)
        // Timed on the gateway's side of each socket: a client that does not
        // read may not notice the close until it reads.
        #expect(connections.allSatisfy { SocketTable.isOpen(localPort: f.port, remotePort: $0.port) })
        #expect(f.ledger.totalExecutions == 6)
        for (_, port, sentAt) in connections {
            let closed = try #require(await SocketTable.waitForClose(gatewayPort: f.port, clientPort: port, limit: .seconds(10)))
            #expect(closed - sentAt >= .milliseconds(1900))
            #expect(closed - sentAt <= .seconds(6))
        }
        print("cut off \(ContinuousClock.now - sent) after the requests (send_timeout 2s)")
        // Reading now, each client finds its connection closed (reset):
        // never a complete response.
        for (connection, _, _) in connections {
            let channel = connection.channel
            channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in channel.read() }
            #expect(await connection.waitForClose(limit: .seconds(10)) != nil)
            #expect(await connection.next() == nil)
        }
        // Each cut cancels its upstream transfer: the upstream sees its
        // connection closed before it wrote the whole body.
        try await waitUntil { f.ledger.generatedBodiesAbandoned == 5 }
        #expect(f.ledger.generatedBodiesAbandoned == 5)
        await f.shutdown()
    }

    @Test func anUpstreamCutMidBodyClosesTheClientBeforeTheLengthItAnnounced() async throws {
        let f = try await GatewayFixture(limits: Self.limits)
        let body = #"{"amount":100}"#
        let request = "POST /v1/refunds HTTP/1.1\r\nHost: gw\r\nIdempotency-Key: cut-1\r\nX-Upstream-Stream-Size: 5000000\r\n"
            + "X-Upstream-Stream-Cut: 2000000\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let response = try await GeneratedBodyClient.fetch(port: f.port, request: request)
        #expect(response.status == 201)
        #expect(response.header("Content-Length") == "5000000")
        #expect(response.bodyBytes <= 2_000_000)
        #expect(response.intact)
        #expect(!response.complete)
        #expect(response.closed)
        #expect(!response.reset)
        // The upstream executed and answered: the claim was settled as not
        // kept at the hand-off, and a truncated body does not reopen it.
        let retry = try await f.post("/v1/refunds", key: "cut-1", body: body,
                                     headers: [("X-Upstream-Stream-Size", "5000000"), ("X-Upstream-Stream-Cut", "2000000")])
        #expect(retry.status == 410)
        #expect(f.ledger.executions(key: "cut-1") == 1)
        await f.shutdown()
    }

    @Test func aChunkedUpstreamCutMidBodyGetsNoLastChunk() async throws {
        let f = try await GatewayFixture(limits: Self.limits)
        let response = try await GeneratedBodyClient.fetch(port: f.port, request: Self.get(
            "X-Upstream-Stream-Size: 5000000\r\nX-Upstream-Stream-Cut: 2000000\r\nX-Upstream-Stream-Chunked: 1\r\n"))
        #expect(response.status == 201)
        #expect(response.header("Transfer-Encoding") == "chunked")
        #expect(response.bodyBytes <= 2_000_000)
        #expect(response.intact)
        #expect(!response.complete)
        #expect(response.closed)
        await f.shutdown()
    }

    /// A close-delimited body cannot say it was cut short by closing, which
    /// is how it ends: the gateway resets the connection instead.
    @Test func anHTTP10ClientSeesAResetWhenTheUpstreamIsCutMidBody() async throws {
        let f = try await GatewayFixture(limits: Self.limits)
        let response = try await GeneratedBodyClient.fetch(port: f.port, request: Self.get(
            "X-Upstream-Stream-Size: 5000000\r\nX-Upstream-Stream-Cut: 2000000\r\nX-Upstream-Stream-Chunked: 1\r\n", version: "1.0"))
        #expect(response.status == 201)
        #expect(response.header("Content-Length") == nil)
        #expect(response.bodyBytes <= 2_000_000)
        #expect(response.intact)
        #expect(response.closed)
        #expect(response.reset)
        await f.shutdown()
    }

    @Test func withoutAnUpstreamLengthHTTP11IsChunkedAndHTTP10IsCloseDelimited() async throws {
        let f = try await GatewayFixture(limits: Self.limits)
        let length = 4_000_000
        let headers = "X-Upstream-Stream-Size: \(length)\r\nX-Upstream-Stream-Chunked: 1\r\n"
        let chunked = try await GeneratedBodyClient.fetch(port: f.port, request: Self.get(headers))
        #expect(chunked.status == 201)
        #expect(chunked.header("Transfer-Encoding") == "chunked")
        #expect(chunked.header("Content-Length") == nil)
        #expect(chunked.bodyBytes == length)
        #expect(chunked.intact)
        #expect(chunked.complete)
        #expect(!chunked.closed)

        let closeDelimited = try await GeneratedBodyClient.fetch(
            port: f.port, request: Self.get("Connection: keep-alive\r\n" + headers, version: "1.0"))
        #expect(closeDelimited.status == 201)
        #expect(closeDelimited.header("Transfer-Encoding") == nil)
        #expect(closeDelimited.header("Content-Length") == nil)
        #expect(closeDelimited.header("Connection") == "close")
        #expect(closeDelimited.bodyBytes == length)
        #expect(closeDelimited.intact)
        #expect(closeDelimited.closed)
        #expect(!closeDelimited.reset)
        await f.shutdown()
    }
}
