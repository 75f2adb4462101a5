import GatewayCore
import GatewayUpstream
import Logging
import Testing

/// Responses whose framing or header syntax cannot be trusted, straight from a
/// raw socket: each fails as sent-but-unknown (`.protocolError`), and the
/// connection it came on is not reused. The first group libcurl 7.88 accepted
/// on its own (checked with curl 7.88.1 against the same bytes); the second it
/// refuses itself, kept here so an upgrade that changes that is noticed.
@Suite struct CurlResponseFramingTests {
    private static let logger = Logger(label: "curl-response-framing-tests")

    static let acceptedByLibcurl: [(String, String)] = [
        ("two different Content-Length values", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nokabc"),
        ("invalid Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2, 5\r\n\r\nokabc"),
        ("invalid Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok"),
        ("both Content-Length and Transfer-Encoding",
         "HTTP/1.1 200 OK\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
        ("bare CR in a header line", "HTTP/1.1 200 OK\r\nX-A: a\rX-Injected: b\r\nContent-Length: 2\r\n\r\nok"),
        ("header name is not a token", "HTTP/1.1 200 OK\r\nX-A : b\r\nContent-Length: 2\r\n\r\nok"),
    ]

    static let refusedByLibcurl: [String] = [
        "HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nJunkLine\r\nContent-Length: 2\r\n\r\nok",
        "HTTX/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 200_000) + "\r\nContent-Length: 2\r\n\r\nok",
    ]

    private func sendTwice(answer: String) async throws -> (first: Result<UpstreamResponse, UpstreamFailure>, connections: Int) {
        let bytes = Array(answer.utf8)
        let upstream = try RawUpstream { $0.target == "/bad" ? .answer(bytes) : .ok() }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        let request = UpstreamRequest(url: "http://127.0.0.1:\(upstream.port)/bad", method: "POST", headers: [], body: [1],
                                      timeout: .seconds(3), connectTimeout: .seconds(1))
        let first: Result<UpstreamResponse, UpstreamFailure>
        do { first = .success(try await transport.send(request)) } catch { first = .failure(error) }
        var next = request
        next.url = "http://127.0.0.1:\(upstream.port)/good"
        let second = try await transport.send(next)
        #expect(second.status == 200)
        #expect(upstream.executions == 2)
        return (first, upstream.connectionsAccepted)
    }

    @Test(arguments: acceptedByLibcurl)
    func malformedResponseLibcurlWouldAcceptIsRefused(problem: String, answer: String) async throws {
        let (first, connections) = try await sendTwice(answer: answer)
        guard case .failure(let failure) = first else {
            Issue.record("accepted: \(first)")
            return
        }
        #expect(failure.kind == .protocolError)
        #expect(failure.message.contains("malformed response: \(problem)"))
        // The upstream kept the connection open; the gateway must not trust it.
        #expect(connections == 2)
    }

    @Test(arguments: refusedByLibcurl)
    func malformedResponseLibcurlRefusesIsASentFailure(answer: String) async throws {
        let (first, connections) = try await sendTwice(answer: answer)
        guard case .failure(let failure) = first else {
            Issue.record("accepted: \(first)")
            return
        }
        #expect(failure.kind == .protocolError)
        #expect(connections == 2)
    }

    /// Repeating the same length is allowed (RFC 9110 §8.6), as are bare LF
    /// line endings and a folded line.
    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok",
        "HTTP/1.1 200 OK\nX-A: b\nContent-Length: 2\n\nok",
        "HTTP/1.1 200 OK\r\nX-A: b\r\n  c\r\nContent-Length: 2\r\n\r\nok",
    ])
    func toleratedVariantsPass(answer: String) async throws {
        let (first, _) = try await sendTwice(answer: answer)
        #expect((try? first.get())?.body == Array("ok".utf8))
    }
}
