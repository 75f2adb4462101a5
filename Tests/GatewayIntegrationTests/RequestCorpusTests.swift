import Testing

/// An adversarial HTTP/1 request corpus, sent as raw bytes through the real
/// gateway, Redis and upstream. Each case says what a client sees (the
/// statuses, or that none came), whether the connection is closed, how many
/// times the upstream executed, and how many idempotency records Redis holds
/// after it: a refused keyed request must leave none behind.
@Suite(.serialized)
struct RequestCorpusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        /// The statuses in order; empty: no answer at all.
        var statuses: [Int]
        var closed: Bool
        var executions: Int
        var records: Int
        var testDescription: String { name }

        init(_ name: String, _ text: String, _ statuses: [Int], closed: Bool, executions: Int = 0, records: Int = 0) {
            self.init(name, Array(text.utf8), statuses, closed: closed, executions: executions, records: records)
        }

        init(_ name: String, _ bytes: [UInt8], _ statuses: [Int], closed: Bool, executions: Int = 0, records: Int = 0) {
            self.name = name
            self.bytes = bytes
            self.statuses = statuses
            self.closed = closed
            self.executions = executions
            self.records = records
        }
    }

    /// A keyed POST to `refunds` (idempotent, key optional) with `extra`
    /// header lines and the body framed by Content-Length unless `framing`
    /// says otherwise.
    static func keyed(_ key: String, path: String = "/v1/refunds", extra: String = "", framing: String? = nil,
                      body: String = "{}", host: String = "Host: gw\r\n") -> String {
        let framingLines = framing ?? "Content-Length: \(body.utf8.count)\r\n"
        return "POST \(path) HTTP/1.1\r\n\(host)Idempotency-Key: \(key)\r\n\(extra)\(framingLines)\r\n\(body)"
    }

    static let cases: [Case] = [
        Case("baseline keyed POST", keyed("k"), [201], closed: false, executions: 1, records: 1),
        Case("CL then TE", keyed("k", framing: "Content-Length: 7\r\nTransfer-Encoding: chunked\r\n", body: "2\r\n{}\r\n0\r\n\r\n"),
             [400], closed: true),
        Case("TE then CL", keyed("k", framing: "Transfer-Encoding: chunked\r\nContent-Length: 7\r\n", body: "2\r\n{}\r\n0\r\n\r\n"),
             [400], closed: true),
        Case("TE chunked, identity", keyed("k", framing: "Transfer-Encoding: chunked, identity\r\n", body: "2\r\n{}\r\n0\r\n\r\n"),
             [400], closed: true),
        Case("TE xchunked", keyed("k", framing: "Transfer-Encoding: xchunked\r\n", body: "2\r\n{}\r\n0\r\n\r\n"),
             [400], closed: true),
        Case("TE repeated", keyed("k", framing: "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                                  body: "2\r\n{}\r\n0\r\n\r\n"), [400], closed: true),
        Case("CL list 2, 2", keyed("k", framing: "Content-Length: 2, 2\r\n"), [400], closed: true),
        Case("CL list 2, 3", keyed("k", framing: "Content-Length: 2, 3\r\n"), [400], closed: true),
        Case("CL repeated and different", keyed("k", framing: "Content-Length: 2\r\nContent-Length: 3\r\n"), [400], closed: true),
        Case("CL +2", keyed("k", framing: "Content-Length: +2\r\n"), [400], closed: true),
        Case("CL -1", keyed("k", framing: "Content-Length: -1\r\n"), [400], closed: true),
        Case("obs-fold", keyed("k", extra: "X-Folded: a\r\n b\r\n"), [400], closed: true),
        Case("space before colon", keyed("k", extra: "X-Space : a\r\n"), [400], closed: true),
        Case("bare LF line ends", "POST /v1/refunds HTTP/1.1\nHost: gw\nIdempotency-Key: k\nContent-Length: 2\n\n{}",
             [400], closed: true),
        Case("bare CR in a header", keyed("k", extra: "X-A: a\rX-B: b\r\n"), [400], closed: true),
        Case("NUL in a header value", keyed("k", extra: "X-A: a\u{0}b\r\n"), [400], closed: true),
        Case("chunk size overflow", keyed("k", framing: "Transfer-Encoding: chunked\r\n",
                                          body: "fffffffffffffffff2\r\n{}\r\n0\r\n\r\n"), [400], closed: true),
        Case("chunk extensions", keyed("k", framing: "Transfer-Encoding: chunked\r\n", body: "2;ext=\"v\"\r\n{}\r\n0\r\n\r\n"),
             [201], closed: false, executions: 1, records: 1),
        Case("100 KB request line", keyed("k", path: "/v1/refunds/" + String(repeating: "a", count: 100_000)),
             [431], closed: true),
        Case("10,000 headers", keyed("k", extra: String(repeating: "X-A: b\r\n", count: 10_000)), [431], closed: true),
        Case("dot segments onto the required-key route", "POST /v1/charges/../orders HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\n{}",
             [400], closed: false),
        Case("dot segments climbing above /", keyed("k", path: "/../v1/refunds"), [400], closed: true),
        Case("encoded dot segment", keyed("k", path: "/v1/charges/%2e%2E/refunds"), [400], closed: true),
        Case("mixed encoded dot segment", keyed("k", path: "/v1/charges/.%2e/refunds"), [400], closed: true),
        Case("encoded slash", keyed("k", path: "/v1/charges%2F..%2Frefunds"), [400], closed: true),
        Case("encoded NUL", keyed("k", path: "/v1/refunds%00"), [400], closed: true),
        Case("fragment in the target", keyed("k", path: "/v1/refunds#x"), [400], closed: true),
        Case("absolute-form without Host", keyed("k", path: "http://api.example/v1/refunds", host: ""),
             [201], closed: false, executions: 1, records: 1),
        Case("missing Host", keyed("k", host: ""), [400], closed: true),
        Case("repeated Host", keyed("k", host: "Host: a\r\nHost: b\r\n"), [400], closed: true),
        Case("HTTP/1.0 without Host", "POST /v1/refunds HTTP/1.0\r\nIdempotency-Key: k\r\nContent-Length: 2\r\n\r\n{}",
             [201], closed: true, executions: 1, records: 1),
        Case("HTTP/0.9", "GET /\r\n", [], closed: true),
        Case("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", [400], closed: true),
        Case("lower-case method", "post /v1/refunds HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\n{}", [400], closed: true),
        Case("unsupported expectation", keyed("k", extra: "Expect: magic\r\n"), [417], closed: true),
        Case("body over the limit", keyed("k", framing: "Content-Length: 100000\r\n", body: ""), [413], closed: true),
        Case("keyed and unkeyed pipelined", keyed("p1") + "GET /plain HTTP/1.1\r\nHost: gw\r\nX-Upstream-Status: 200\r\n\r\n" + keyed("p2"),
             [201, 200, 201], closed: false, executions: 3, records: 2),
        Case("keyed pipelined before a smuggling attempt",
             keyed("p1") + keyed("p2", framing: "Content-Length: 7\r\nTransfer-Encoding: chunked\r\n", body: "2\r\n{}\r\n0\r\n\r\n"),
             [201, 400], closed: true, executions: 1, records: 1),
        Case("keyed pipelined behind a missing Host", keyed("p1", host: "") + keyed("p2"), [400], closed: true),
    ]

    @Test(arguments: cases)
    func request(_ example: Case) async throws {
        let f = try await GatewayFixture()
        let result = await RawExchange.run(port: f.port, bytes: example.bytes, responses: max(1, example.statuses.count))
        #expect(!result.hung, "the gateway neither answered nor closed")
        #expect(result.statuses == example.statuses)
        #expect(result.closed == example.closed)
        #expect(f.ledger.totalExecutions == example.executions)
        #expect(try await f.redisKeys().count == example.records)
        await f.shutdown()
    }

    /// A 1 MiB header block: refused once it passes `max_header_bytes`, while
    /// the client is still sending. The gateway closes its side first and
    /// keeps reading a moment (lingering close), so the 431 is not lost to a
    /// reset.
    @Test func aOneMegabyteHeaderBlockIsRefused() async throws {
        let f = try await GatewayFixture()
        let bytes = Array(Self.keyed("k", extra: "X-Big: " + String(repeating: "a", count: 1 << 20) + "\r\n").utf8)
        let result = await RawExchange.run(port: f.port, bytes: bytes, responses: 1)
        #expect(!result.hung)
        #expect(result.statuses == [431])
        #expect(result.closed)
        #expect(f.ledger.totalExecutions == 0)
        #expect(try await f.redisKeys().isEmpty)
        await f.shutdown()
    }
}
