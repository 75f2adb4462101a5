import Foundation
import Testing

/// Issue 14, item I, the upstream half: hostile responses from a raw-TCP
/// upstream, through the real gateway and Redis, one keyed POST each. Every
/// case asserts what the client got, how many times the upstream executed,
/// what Redis holds for the key afterwards and, where the upstream's
/// connection could not be trusted, that the next request did not reuse it.
@Suite(.serialized)
struct UpstreamResponseCorpusTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var reply: RawUpstream.Reply
        /// The client's status: 502 for every response that cannot be trusted.
        var status: Int
        /// A trusted response is stored under the key; a 502 never is.
        var stored: Bool
        /// What the client's body must be, when the response is passed on.
        var body: String? = nil
        var testDescription: String { name }
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let cases: [Case] = [
        Case(name: "NUL in a header", reply: .answer(bytes("HTTP/1.1 201 Created\r\nX-A: a\0b\r\nContent-Length: 2\r\n\r\nok")),
             status: 502, stored: false),
        Case(name: "200 KB header",
             reply: .answer(bytes("HTTP/1.1 201 Created\r\nX-Big: " + String(repeating: "a", count: 200_000) + "\r\nContent-Length: 2\r\n\r\nok")),
             status: 502, stored: false),
        Case(name: "bad status line", reply: .answer(bytes("HTTX/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")),
             status: 502, stored: false),
        Case(name: "two Content-Lengths",
             reply: .answer(bytes("HTTP/1.1 201 Created\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nokabc")),
             status: 502, stored: false),
        Case(name: "close mid-body", reply: .answerAndClose(bytes("HTTP/1.1 201 Created\r\nContent-Length: 100\r\n\r\nonly part")),
             status: 502, stored: false),
        Case(name: "reset after the request", reply: .reset, status: 502, stored: false),
        Case(name: "reset mid-body",
             reply: .answerThenReset(bytes("HTTP/1.1 201 Created\r\nContent-Length: 100\r\n\r\nonly part"), after: .milliseconds(50)),
             status: 502, stored: false),
        Case(name: "1xx before the final response",
             reply: .answer(bytes("HTTP/1.1 102 Processing\r\nX-Interim: 1\r\n\r\nHTTP/1.1 201 Created\r\nX-Final: 1\r\nContent-Length: 2\r\n\r\nok")),
             status: 201, stored: true, body: "ok"),
        Case(name: "trailers",
             reply: .answer(bytes("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n2\r\nok\r\n3\r\n!!!\r\n0\r\nX-Sum: 9\r\n\r\n")),
             status: 201, stored: true, body: "ok!!!"),
        Case(name: "close-delimited body",
             reply: .answerAndClose(bytes("HTTP/1.1 201 Created\r\nConnection: close\r\n\r\nall of it, until the close")),
             status: 201, stored: true, body: "all of it, until the close"),
    ]

    static let routes = """
        routes:
          - name: hostile
            match: { path_prefix: /v1/hostile }
            upstream: hostile
            idempotency: { lock_ttl: 5s }
        """

    @Test(arguments: cases)
    func hostileResponse(_ scenario: Case) async throws {
        let upstream = try RawUpstream { request in
            request.target == "/v1/hostile/next" ? .ok("next") : scenario.reply
        }
        defer { upstream.close() }
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: { _ in
            """
              hostile:
                url: "http://127.0.0.1:\(upstream.port)"
                timeout: 3s
                connect_timeout: 1s
            """
        })
        let key = "corpus-\(scenario.name.filter(\.isLetter))"
        let response = try await f.post("/v1/hostile/op", key: key)
        #expect(response.status == scenario.status)
        #expect(upstream.executions(key: key) == 1)
        if let body = scenario.body {
            #expect(response.text == body)
            #expect(response.header("Content-Length") == String(body.utf8.count))
        } else {
            #expect(response.header("Content-Type") == "application/problem+json")
        }
        #expect(response.header("X-Interim") == nil && response.header("X-Sum") == nil)

        let keys = try await f.redisKeys()
        #expect(keys.count == (scenario.stored ? 1 : 0))

        if scenario.stored {
            // Stored means replayed: the upstream is not asked again.
            let replay = try await f.post("/v1/hostile/op", key: key)
            #expect(replay.status == scenario.status && replay.text == scenario.body)
            #expect(replay.header("Idempotent-Replayed") == "true")
            #expect(upstream.executions(key: key) == 1)
        } else {
            // A connection that carried a response that cannot be trusted is
            // never used again: the next request arrives on a new one.
            let next = try await f.post("/v1/hostile/next", key: nil)
            #expect(next.status == 200 && next.text == "next")
            #expect(upstream.requests.last?.indexOnConnection == 0)
        }
        await f.shutdown()
    }
}
