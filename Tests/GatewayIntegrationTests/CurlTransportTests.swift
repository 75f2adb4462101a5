import ExampleUpstream
import GatewayCore
import GatewayUpstream
import Logging
import Testing
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CurlTransport against the real example upstream over loopback: what goes on
/// the wire, what comes back, and which failure kind each breakage produces.
@Suite struct CurlTransportTests {
    private static let logger = Logger(label: "curl-transport-tests")

    private func request(_ port: Int, _ method: String = "GET", path: String = "/orders", headers: [HeaderField] = [],
                         body: [UInt8] = [], timeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(2)) -> UpstreamRequest {
        UpstreamRequest(url: "http://127.0.0.1:\(port)\(path)", method: method, headers: headers, body: body,
                        timeout: timeout, connectTimeout: connectTimeout)
    }

    private func withUpstream(maxConnectionsPerHost: Int = 0, threads: Int = 1,
                              _ body: (ExampleUpstreamServer, CurlTransport) async throws -> Void) async throws {
        let server = try await ExampleUpstreamServer.start(host: "127.0.0.1", port: 0, threads: threads)
        let transport = CurlTransport(logger: Self.logger, maxConnectionsPerHost: maxConnectionsPerHost)
        defer { transport.shutdown() }
        do { try await body(server, transport) } catch { await server.stop(); throw error }
        await server.stop()
    }

    private func failure(of call: () async throws(UpstreamFailure) -> UpstreamResponse) async -> UpstreamFailure? {
        do { _ = try await call(); return nil } catch { return error }
    }

    @Test(arguments: ["GET", "POST", "PUT", "PATCH", "DELETE"])
    func roundTripKeepsStatusHeadersAndBody(method: String) async throws {
        try await withUpstream { server, transport in
            let body: [UInt8] = method == "GET" ? [] : Array("{\"amount\":42}\0binary\u{1}".utf8)
            let headers = [HeaderField(name: "Idempotency-Key", value: "k-\(method)"), HeaderField(name: "X-Dup", value: "one"),
                           HeaderField(name: "X-Upstream-Status", value: "202"), HeaderField(name: "X-Dup", value: "two"),
                           HeaderField(name: "X-Empty", value: ""), HeaderField(name: "Content-Length", value: "999")]
            let response = try await transport.send(request(server.port, method, path: "/orders?id=7", headers: headers, body: body))

            #expect(response.status == 202)
            #expect(response.headers.map(\.name) == ["Content-Type", "X-Upstream-Execution", "X-Multi", "X-Multi", "Content-Length"])
            #expect(response.headers.values(named: "X-Multi") == ["a", "b"])
            #expect(String(decoding: response.body, as: UTF8.self).contains("\"method\":\"\(method)\""))

            let seen = try #require(server.ledger.requests.first)
            #expect(seen.method == method && seen.uri == "/orders?id=7" && seen.body == body)
            #expect(seen.headers(named: "X-Dup") == ["one", "two"])
            #expect(seen.headers.map(\.name).filter { $0.hasPrefix("X-") } == ["X-Dup", "X-Upstream-Status", "X-Dup", "X-Empty"])
            #expect(seen.header("X-Empty") == "")
            // Nothing curl would invent on its own may reach the upstream.
            #expect(seen.header("Accept") == nil && seen.header("Expect") == nil && seen.header("Content-Type") == nil)
            #expect(seen.header("User-Agent") == nil && seen.header("Accept-Encoding") == nil)
            #expect(seen.header("Host") == "127.0.0.1:\(server.port)")
            // A stale Content-Length from the client must not override the real framing.
            #expect(seen.headers(named: "Content-Length") == (method == "GET" ? [] : [String(body.count)]))
        }
    }

    @Test func headSendsNoBodyAndReadsNone() async throws {
        try await withUpstream { server, transport in
            let response = try await transport.send(request(server.port, "HEAD"))
            #expect(response.status == 201 && response.body.isEmpty)
            #expect(server.ledger.requests.first?.method == "HEAD")
        }
    }

    /// A 1xx response's headers are replaced by the final response's, folded
    /// lines are joined, and chunked trailers stay out of the stored headers.
    @Test func interimHeadersFoldingAndTrailers() async throws {
        let upstream = try #require(ScriptedUpstream(response:
            "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
            + "HTTP/1.1 203 Odd Reason\r\nX-Final: a\r\nX-Folded: one\r\n  two\r\nX-Final: b\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Trailer: 9\r\n\r\n"))
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        let response = try await transport.send(request(upstream.port))
        #expect(response.status == 203 && response.body == Array("ok".utf8))
        #expect(response.headers.map(\.name) == ["X-Final", "X-Folded", "X-Final", "Transfer-Encoding"])
        #expect(response.headers.first(named: "X-Folded") == "one two")
        #expect(response.headers.values(named: "X-Final") == ["a", "b"])
    }

    @Test func fiveMegabyteBodiesPassIntactBothWays() async throws {
        try await withUpstream { server, transport in
            let upload = noise(count: 5_000_000)
            let size = 5 * 1024 * 1024
            let headers = [HeaderField(name: "Content-Type", value: "application/octet-stream"),
                           HeaderField(name: "X-Upstream-Body-Size", value: String(size))]
            let response = try await transport.send(request(server.port, "PUT", headers: headers, body: upload))

            #expect(server.ledger.requests.first?.body == upload)
            let sequence = try #require(response.headers.first(named: "X-Upstream-Execution").flatMap(Int.init))
            #expect(response.body.count == size)
            let intact = response.body.withUnsafeBufferPointer { bytes in
                (0..<bytes.count).allSatisfy { bytes[$0] == UInt8(truncatingIfNeeded: $0 &* 31 &+ sequence) }
            }
            #expect(intact)
        }
    }

    @Test func sequentialRequestsShareOneConnection() async throws {
        try await withUpstream { server, transport in
            for _ in 0..<20 { _ = try await transport.send(request(server.port, "POST", body: [1, 2, 3])) }
            #expect(server.ledger.totalExecutions == 20)
            #expect(server.ledger.connectionsAccepted == 1)
        }
    }

    @Test func twoHundredConcurrentRequestsReuseFewConnections() async throws {
        try await withUpstream(maxConnectionsPerHost: 8) { server, transport in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<200 {
                    group.addTask { try await transport.send(request(server.port, "POST", body: Array("\(index)".utf8))).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 200 && statuses.allSatisfy { $0 == 201 })
            #expect(server.ledger.totalExecutions == 200)
            #expect(server.ledger.connectionsAccepted <= 8)
        }
    }

    @Test func refusedConnectionIsAConnectFailure() async throws {
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        let started = ContinuousClock.now
        let failure = await failure { () async throws(UpstreamFailure) in try await transport.send(request(FreePort.next())) }
        #expect(failure?.kind == .connect)
        #expect(failure?.message.contains("127.0.0.1") == true)
        #expect(ContinuousClock.now - started < .seconds(1))
    }

    @Test func silentUpstreamTimesOut() async throws {
        try await withUpstream { server, transport in
            let stall = [HeaderField(name: "X-Upstream-Delay-Ms", value: "5000")]
            let started = ContinuousClock.now
            let failure = await failure { () async throws(UpstreamFailure) in
                try await transport.send(request(server.port, "POST", headers: stall, body: [1], timeout: .milliseconds(300)))
            }
            #expect(failure?.kind == .timeout)
            #expect(ContinuousClock.now - started < .seconds(1))
        }
    }

    /// On a reused connection libcurl never connects, yet the request was sent:
    /// it must still count as a timeout, never as "not sent".
    @Test func timeoutOnReusedConnectionIsNotAConnectFailure() async throws {
        try await withUpstream { server, transport in
            _ = try await transport.send(request(server.port))
            let stall = [HeaderField(name: "X-Upstream-Delay-Ms", value: "5000")]
            let failure = await failure { () async throws(UpstreamFailure) in
                try await transport.send(request(server.port, "POST", headers: stall, body: [1], timeout: .milliseconds(300)))
            }
            #expect(failure?.kind == .timeout)
            #expect(server.ledger.connectionsAccepted == 1)
        }
    }

    /// Over the per-host limit a request waits for a connection, and its
    /// timeout runs while it waits: a full pool cannot hold a caller forever.
    @Test func requestQueuedForAConnectionStillTimesOut() async throws {
        try await withUpstream(maxConnectionsPerHost: 1) { server, transport in
            let stall = [HeaderField(name: "X-Upstream-Delay-Ms", value: "2000")]
            async let first = transport.send(request(server.port, "POST", headers: stall, body: [1]))
            while server.ledger.totalExecutions == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let started = ContinuousClock.now
            let failure = await failure { () async throws(UpstreamFailure) in
                try await transport.send(request(server.port, timeout: .milliseconds(300)))
            }
            #expect(failure?.kind == .connect)
            #expect(ContinuousClock.now - started < .seconds(1))
            #expect(try await first.status == 201)
        }
    }

    @Test func upstreamClosingWithoutAnswerIsAProtocolError() async throws {
        try await withUpstream { server, transport in
            let close = [HeaderField(name: "X-Upstream-Close", value: "1")]
            let failure = await failure { () async throws(UpstreamFailure) in
                try await transport.send(request(server.port, "POST", headers: close, body: [1]))
            }
            #expect(failure?.kind == .protocolError)
        }
    }

    /// A listener whose accept queue is full drops new SYNs, so connecting hangs
    /// on loopback: the connect timeout fires and nothing was sent.
    @Test func connectTimeoutIsAConnectFailure() async throws {
        let listener = try #require(FullBacklogListener())
        defer { listener.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        let started = ContinuousClock.now
        let failure = await failure { () async throws(UpstreamFailure) in
            try await transport.send(request(listener.port, timeout: .seconds(5), connectTimeout: .milliseconds(300)))
        }
        #expect(failure?.kind == .connect)
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func headerInjectionIsRefusedBeforeSending() async throws {
        try await withUpstream { server, transport in
            let forged = [HeaderField(name: "X-Note", value: "a\r\nX-Admin: 1")]
            let failure = await failure { () async throws(UpstreamFailure) in
                try await transport.send(request(server.port, headers: forged))
            }
            #expect(failure?.kind == .connect)
            #expect(server.ledger.totalExecutions == 0)
        }
    }

    @Test func shutdownFailsPendingAndLaterRequests() async throws {
        try await withUpstream { server, transport in
            let stall = [HeaderField(name: "X-Upstream-Delay-Ms", value: "5000")]
            async let pending = failure { () async throws(UpstreamFailure) in
                try await transport.send(request(server.port, "POST", headers: stall, body: [1]))
            }
            while server.ledger.totalExecutions == 0 { try await Task.sleep(for: .milliseconds(10)) }
            transport.shutdown()
            transport.shutdown()
            #expect(await pending?.kind == .protocolError)
            let later = await failure { () async throws(UpstreamFailure) in try await transport.send(request(server.port)) }
            #expect(later?.kind == .connect)
        }
    }

    @Test func tenThousandSmallRequestsThroughput() async throws {
        try await withUpstream(maxConnectionsPerHost: 16) { server, transport in
            let total = 10_000, concurrency = 64
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<concurrency {
                    group.addTask {
                        for _ in stride(from: worker, to: total, by: concurrency) {
                            let response = try await transport.send(request(server.port, "POST", body: Array("{\"n\":1}".utf8)))
                            guard response.status == 201 else { throw UpstreamFailure(.protocolError, "status \(response.status)") }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18
                + Double((ContinuousClock.now - started).components.seconds)
            print("CurlTransport: \(total) requests in \(seconds) s = \(Int(Double(total) / seconds)) req/s over \(server.ledger.connectionsAccepted) connections")
            #expect(server.ledger.totalExecutions == total)
            #expect(server.ledger.connectionsAccepted <= 16)
        }
    }
}

/// Incompressible bytes, every value and NUL included, made 8 at a time with
/// xorshift: the system generator costs a syscall per call, far too slow here.
private func noise(count: Int) -> [UInt8] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        for offset in stride(from: 0, to: count, by: 8) {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            withUnsafeBytes(of: state) { word in
                for index in 0..<min(8, count - offset) { buffer[offset + index] = word[index] }
            }
        }
        initialized = count
    }
}

/// A bound, listening loopback socket and its port.
private func loopbackListener(backlog: Int32) -> (descriptor: Int32, port: Int, address: sockaddr_in)? {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ready = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, length) == 0 && listen(descriptor, backlog) == 0 && getsockname(descriptor, $0, &length) == 0
        }
    }
    guard descriptor >= 0, ready else { return nil }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)), address)
}

/// A listener that never accepts and whose queue is already full.
private struct FullBacklogListener {
    let port: Int
    private let descriptors: [Int32]

    init?() {
        guard let (listener, port, address) = loopbackListener(backlog: 0) else { return nil }
        self.port = port
        // Non-blocking fillers: the first completes into the queue, the rest hang.
        var fillers: [Int32] = []
        for _ in 0..<3 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var target = address
            _ = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            fillers.append(filler)
        }
        usleep(50_000)
        descriptors = [listener] + fillers
    }

    func close() {
        for descriptor in descriptors { _ = Glibc.close(descriptor) }
    }
}

/// Answers one connection with canned bytes: for responses (interim, folded,
/// trailers) that no well-behaved server produces on request.
private struct ScriptedUpstream {
    let port: Int
    private let listener: Int32

    init?(response: String) {
        guard let (listener, port, _) = loopbackListener(backlog: 4) else { return nil }
        self.listener = listener
        self.port = port
        let answer = Array(response.utf8)
        Thread.detachNewThread {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while !received.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) {
                let count = read(client, &chunk, chunk.count)
                if count <= 0 { break }
                received += chunk[0..<count]
            }
            _ = answer.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            _ = Glibc.close(client)
        }
    }

    func close() {
        _ = shutdown(listener, Int32(SHUT_RDWR))
        _ = Glibc.close(listener)
    }
}
