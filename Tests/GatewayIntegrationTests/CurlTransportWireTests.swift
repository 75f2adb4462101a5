import ExampleUpstream
import GatewayCore
import GatewayUpstream
import Logging
import Testing
import Foundation

/// What CurlTransport puts on the wire when connections misbehave or sit idle,
/// and how it words failures: the issue 14 guarantees at the transport level.
@Suite struct CurlTransportWireTests {
    private static let logger = Logger(label: "curl-transport-wire-tests")

    private func request(_ port: Int, _ method: String = "GET", path: String = "/x", headers: [HeaderField] = [],
                         body: [UInt8] = [], mayResend: Bool = false, idleTimeout: Duration = .seconds(1),
                         timeout: Duration = .seconds(10)) -> UpstreamRequest {
        UpstreamRequest(url: "http://127.0.0.1:\(port)\(path)", method: method, headers: headers, body: body,
                        timeout: timeout, connectTimeout: .seconds(2), mayResend: mayResend, idleTimeout: idleTimeout)
    }

    private func failure(of call: () async throws(UpstreamFailure) -> UpstreamResponse) async -> UpstreamFailure? {
        do { _ = try await call(); return nil } catch { return error }
    }

    /// Ten slow requests leave ten pooled connections; then a request the
    /// upstream reads, holds and answers by closing. libcurl 7.88 alone sent
    /// it six times, once on each of six pooled connections.
    @Test(arguments: [("POST", Array("{\"a\":1}".utf8)), ("POST", []), ("DELETE", []), ("PUT", Array("x".utf8))])
    func requestOnADyingPooledConnectionGoesOutOnce(method: String, body: [UInt8]) async throws {
        let server = try await ExampleUpstreamServer.start()
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        try await warmPool(server, transport)
        let pooled = server.ledger.connectionsAccepted
        let drop = [HeaderField(name: "X-Upstream-Delay-Ms", value: "300"), HeaderField(name: "X-Upstream-Close", value: "1"),
                    HeaderField(name: "Idempotency-Key", value: "once")]
        let failed = await failure { () async throws(UpstreamFailure) in
            try await transport.send(request(server.port, method, headers: drop, body: body))
        }
        #expect(failed?.kind == .protocolError)
        #expect(server.ledger.executions(key: "once") == 1)
        #expect(server.ledger.connectionsAccepted == pooled)
        await server.stop()
    }

    /// A request marked safe to repeat goes out once more, on a new connection.
    @Test(arguments: ["GET", "HEAD", "OPTIONS"])
    func resendableRequestGoesOutTwiceAtMostOnAFreshConnection(method: String) async throws {
        let server = try await ExampleUpstreamServer.start()
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        try await warmPool(server, transport)
        let pooled = server.ledger.connectionsAccepted
        let drop = [HeaderField(name: "X-Upstream-Delay-Ms", value: "300"), HeaderField(name: "X-Upstream-Close", value: "1"),
                    HeaderField(name: "X-Probe", value: "twice")]
        let failed = await failure { () async throws(UpstreamFailure) in
            try await transport.send(request(server.port, method, headers: drop, mayResend: true))
        }
        #expect(failed?.kind == .protocolError)
        #expect(server.ledger.requests.filter { $0.header("X-Probe") == "twice" }.count == 2)
        #expect(server.ledger.connectionsAccepted == pooled + 1)
        await server.stop()
    }

    /// The everyday case the re-send exists for: a pooled connection the
    /// upstream dropped. A GET succeeds on a new one; a POST fails as sent.
    @Test func staleConnectionCostsAGetNothingAndAPostOneAmbiguousFailure() async throws {
        // Every request after the first on a connection meets a close.
        let upstream = try RawUpstream { $0.indexOnConnection == 0 ? .ok() : .closeAfter(.zero) }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        _ = try await transport.send(request(upstream.port))
        let get = try await transport.send(request(upstream.port, mayResend: true))
        #expect(get.status == 200)
        // Connection 2 is libcurl's own retry: it connects, then the pre-request
        // callback refuses it before a byte is written. Connection 3 is ours.
        #expect(upstream.requests.map(\.connection) == [1, 1, 3])

        let failed = await failure { () async throws(UpstreamFailure) in
            try await transport.send(request(upstream.port, "POST", body: [1]))
        }
        #expect(failed?.kind == .protocolError)
        #expect(failed?.message.contains("not sent again") == true)
        #expect(upstream.requests.map(\.connection) == [1, 1, 3, 3])
        // libcurl's refused retry connects and closes at once; the accept
        // thread may count it a moment after the failure comes back.
        let deadline = ContinuousClock.now + .seconds(2)
        while upstream.connectionsAccepted < 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(upstream.connectionsAccepted == 4)
    }

    /// libcurl would resolve dot segments; the routed path must go out as is.
    @Test(arguments: ["/a/./b/../c", "/a/%2e%2E/b", "/../x", "/a//b/", "/v1/charges/../orders?x=/../y"])
    func pathGoesOutByteForByte(target: String) async throws {
        let upstream = try RawUpstream { _ in .ok() }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        _ = try await transport.send(request(upstream.port, path: target))
        #expect(upstream.requests.map(\.target) == [target])
    }

    /// libcurl would drop everything from `#` on: refused, never sent.
    @Test func fragmentMarkInTheTargetIsRefusedBeforeSending() async throws {
        let upstream = try RawUpstream { _ in .ok() }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        let failed = await failure { () async throws(UpstreamFailure) in
            try await transport.send(request(upstream.port, path: "/v1/public#/admin"))
        }
        #expect(failed?.kind == .connect)
        #expect(upstream.executions == 0)
    }

    @Test func idleTimeoutBoundsConnectionReuse() async throws {
        let upstream = try RawUpstream { _ in .ok() }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        _ = try await transport.send(request(upstream.port, idleTimeout: .seconds(1)))
        try await Task.sleep(for: .milliseconds(300))
        _ = try await transport.send(request(upstream.port, idleTimeout: .seconds(1)))
        #expect(upstream.connectionsAccepted == 1)
        try await Task.sleep(for: .milliseconds(1300))
        _ = try await transport.send(request(upstream.port, idleTimeout: .seconds(1)))
        #expect(upstream.connectionsAccepted == 2)
        try await Task.sleep(for: .milliseconds(1300))
        _ = try await transport.send(request(upstream.port, idleTimeout: .seconds(3)))
        #expect(upstream.connectionsAccepted == 2)
    }

    @Test func idleTimeoutZeroNeverReuses() async throws {
        let upstream = try RawUpstream { _ in .ok() }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        for _ in 0..<3 { _ = try await transport.send(request(upstream.port, idleTimeout: .zero)) }
        #expect(upstream.connectionsAccepted == 3)
    }

    /// Failure messages end up in logs: no query (tokens), no user information.
    @Test func failureMessagesCarryNoQuery() async throws {
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        let port = FreePort.next()
        let failed = await failure { () async throws(UpstreamFailure) in
            try await transport.send(request(port, path: "/v1/x?token=s3cret&b=2"))
        }
        #expect(failed?.kind == .connect)
        #expect(failed?.message.contains("/v1/x") == true)
        #expect(failed?.message.contains("s3cret") == false)
    }

    private func warmPool(_ server: ExampleUpstreamServer, _ transport: CurlTransport) async throws {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    try await transport.send(request(server.port, headers: [HeaderField(name: "X-Upstream-Delay-Ms", value: "200")])).status
                }
            }
            for try await status in group { #expect(status == 201) }
        }
        #expect(server.ledger.connectionsAccepted == 10)
    }
}
