import Testing

/// `Expect: 100-continue` (RFC 9110 §10.1.1). Clients that send it hold the
/// body back until the server answers 100, or until a timer of their own
/// runs out (a second, for libcurl): the gateway must ask for the body, and
/// must never ask for one it would refuse.
@Suite(.serialized)
struct ExpectContinueTests {
    private static let body = Array(#"{"amount":100,"note":"sent only after 100 Continue"}"#.utf8)

    private static func head(key: String, expect: String, contentLength: Int = body.count, version: String = "1.1") -> String {
        "POST /v1/charges HTTP/\(version)\r\nHost: x\r\nIdempotency-Key: \(key)\r\nContent-Type: application/json\r\n"
            + "Expect: \(expect)\r\nContent-Length: \(contentLength)\r\n\r\n"
    }

    @Test func theGatewayAsksForTheBodyAndTheUpstreamGetsItWhole() async throws {
        let f = try await GatewayFixture()
        let (responses, bodySent, _) = try await TestHTTPClient.sendAwaitingContinue(
            port: f.port, head: Self.head(key: "expect-1", expect: "100-continue"), body: Self.body)
        #expect(bodySent, "the gateway never sent 100 Continue")
        #expect(responses.map(\.status) == [100, 201])
        #expect(f.ledger.executions(key: "expect-1") == 1)
        let seen = try #require(f.ledger.requests.last)
        #expect(seen.body == Self.body)
        // The gateway met the expectation itself; the upstream gets the body
        // at once and no Expect to answer.
        #expect(seen.header("Expect") == nil)

        // The retry waits for its 100 as well, and is replayed.
        let retry = try await TestHTTPClient.sendAwaitingContinue(
            port: f.port, head: Self.head(key: "expect-1", expect: "100-Continue"), body: Self.body)
        #expect(retry.responses.map(\.status) == [100, 201])
        #expect(retry.responses.last?.header("Idempotent-Replayed") == "true")
        #expect(f.ledger.executions(key: "expect-1") == 1)
        await f.shutdown()
    }

    /// A body over the limit is refused from its Content-Length alone: no
    /// 100, so the client never sends it, and nothing is claimed.
    @Test func aBodyTheGatewayWouldRefuseIsNeverAskedFor() async throws {
        let f = try await GatewayFixture()
        let (responses, bodySent, closed) = try await TestHTTPClient.sendAwaitingContinue(
            port: f.port, head: Self.head(key: "expect-big", expect: "100-continue", contentLength: 10 << 20), body: [])
        #expect(!bodySent)
        #expect(responses.map(\.status) == [413])
        #expect(responses.first?.header("Content-Type") == "application/problem+json")
        #expect(closed)
        #expect(f.ledger.totalExecutions == 0)
        #expect(try await f.redisKeys(includingFences: true).isEmpty)
        await f.shutdown()
    }

    @Test func anExpectationOtherThan100ContinueGets417() async throws {
        let f = try await GatewayFixture()
        let (responses, bodySent, closed) = try await TestHTTPClient.sendAwaitingContinue(
            port: f.port, head: Self.head(key: "expect-odd", expect: "100-continue, x-fast-lane"), body: Self.body)
        #expect(!bodySent)
        #expect(responses.map(\.status) == [417])
        let problem = try #require(responses.first)
        #expect(problem.header("Content-Type") == "application/problem+json")
        #expect(problem.text.contains("tag:idempotency-gateway,2026:expectation-failed"))
        #expect(closed)
        #expect(f.ledger.totalExecutions == 0)
        #expect(try await f.redisKeys(includingFences: true).isEmpty)
        await f.shutdown()
    }

    /// HTTP/1.0 has no interim responses: the expectation is ignored and the
    /// request is answered once, as if it had none.
    @Test func anHTTP10ClientGetsNoInterimResponse() async throws {
        let f = try await GatewayFixture()
        let bytes = Array(Self.head(key: "expect-10", expect: "100-continue", version: "1.0").utf8) + Self.body
        let (response, _) = try await TestHTTPClient.sendRaw(port: f.port, bytes: bytes)
        #expect(response.status == 201)
        #expect(f.ledger.executions(key: "expect-10") == 1)
        #expect(f.ledger.requests.last?.body == Self.body)
        await f.shutdown()
    }
}
