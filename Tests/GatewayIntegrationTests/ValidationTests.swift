import Testing

/// Bad keys, reused keys, oversized bodies and smuggling attempts get a clear
/// problem+json answer, and nothing reaches the upstream.
@Suite(.serialized)
struct ValidationTests {
    @Test func reusedKeyWithDifferentRequestGets422() async throws {
        let f = try await GatewayFixture()
        let auth = ("Authorization", "Bearer alice")
        let first = try await f.post("/v1/charges", key: "reuse-1", body: #"{"amount":100}"#, headers: [auth, ("X-Account", "acct-1")])
        #expect(first.status == 201)

        let otherBody = try await f.post("/v1/charges", key: "reuse-1", body: #"{"amount":999}"#, headers: [auth, ("X-Account", "acct-1")])
        #expect(otherBody.status == 422)
        #expect(otherBody.header("Content-Type") == "application/problem+json")
        #expect(otherBody.text.contains("\"status\":422"))

        let otherPath = try await f.post("/v1/charges/ch_2", key: "reuse-1", body: #"{"amount":100}"#, headers: [auth, ("X-Account", "acct-1")])
        #expect(otherPath.status == 422)

        let otherHeader = try await f.post("/v1/charges", key: "reuse-1", body: #"{"amount":100}"#, headers: [auth, ("X-Account", "acct-2")])
        #expect(otherHeader.status == 422)

        let otherQuery = try await f.post("/v1/charges?expand=all", key: "reuse-1", body: #"{"amount":100}"#, headers: [auth, ("X-Account", "acct-1")])
        #expect(otherQuery.status == 422)

        #expect(f.ledger.executions(key: "reuse-1") == 1)
        await f.shutdown()
    }

    @Test func missingKeyOnRequiredRouteGets400() async throws {
        let f = try await GatewayFixture()
        let response = try await f.post("/v1/orders", key: nil)
        #expect(response.status == 400)
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(response.text.contains("Idempotency-Key"))
        #expect(f.ledger.totalExecutions == 0)

        let optional = try await f.post("/v1/refunds", key: nil)
        #expect(optional.status == 201)
        #expect(f.ledger.totalExecutions == 1)
        await f.shutdown()
    }

    @Test func invalidKeysGet400() async throws {
        let f = try await GatewayFixture()
        let tooLong = try await f.post("/v1/refunds", key: String(repeating: "k", count: 256))
        #expect(tooLong.status == 400)
        #expect(tooLong.text.contains("255"))
        let empty = try await f.post("/v1/refunds", key: "\"\"")
        #expect(empty.status == 400)
        let maxLength = try await f.post("/v1/refunds", key: String(repeating: "k", count: 255))
        #expect(maxLength.status == 201)

        // A control character can only be sent on a raw socket.
        let raw = Array("POST /v1/refunds HTTP/1.1\r\nHost: x\r\nIdempotency-Key: abc".utf8) + [0x01]
            + Array("def\r\nContent-Length: 2\r\n\r\n{}".utf8)
        let (control, _) = try await TestHTTPClient.sendRaw(port: f.port, bytes: raw)
        #expect(control.status == 400)
        #expect(control.header("Content-Type") == "application/problem+json")
        #expect(f.ledger.totalExecutions == 1)
        await f.shutdown()
    }

    @Test func quotedKeyMeansTheSameKey() async throws {
        let f = try await GatewayFixture()
        let bare = try await f.post("/v1/refunds", key: "quoted-1")
        let quoted = try await f.post("/v1/refunds", key: "\"quoted-1\"")
        #expect(quoted.header("Idempotent-Replayed") == "true")
        #expect(quoted.body == bare.body)
        #expect(f.ledger.totalExecutions == 1)
        await f.shutdown()
    }

    @Test func oversizedBodyGets413AndLeavesNoClaim() async throws {
        let f = try await GatewayFixture()
        let body = String(repeating: "x", count: 70_000)  // over the fixture's 64KiB
        let response = try await f.post("/v1/refunds", key: "big-body", body: body)
        #expect(response.status == 413)
        #expect(response.header("Content-Type") == "application/problem+json")
        let chunked = try await TestHTTPClient.send(port: f.port, path: "/v1/refunds", headers: [("Idempotency-Key", "big-body")],
                                                    body: Array(body.utf8), chunked: true)
        #expect(chunked.status == 413)
        #expect(f.ledger.totalExecutions == 0)
        let keys = try await f.redisKeys()
        #expect(keys.isEmpty)
        let small = try await f.post("/v1/refunds", key: "big-body", body: "{}")
        #expect(small.status == 201)
        await f.shutdown()
    }

    @Test func smugglingAttemptsAreRejectedAndClosed() async throws {
        let f = try await GatewayFixture()
        let both = "POST /v1/refunds HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/refunds HTTP/1.1\r\nHost: x\r\n\r\n"
        let (clte, closedAfterCLTE) = try await TestHTTPClient.sendRaw(port: f.port, bytes: Array(both.utf8), closeWithin: .seconds(2))
        #expect(clte.status == 400)
        #expect(clte.header("Content-Type") == "application/problem+json")
        #expect(closedAfterCLTE)

        let double = "POST /v1/refunds HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}abc"
        let (dcl, closedAfterDCL) = try await TestHTTPClient.sendRaw(port: f.port, bytes: Array(double.utf8), closeWithin: .seconds(2))
        #expect(dcl.status == 400)
        #expect(closedAfterDCL)
        #expect(f.ledger.totalExecutions == 0)
        await f.shutdown()
    }

    @Test func chunkedBodyIsTheSameRequestAsContentLength() async throws {
        let f = try await GatewayFixture()
        let body = Array(String(repeating: "{\"item\":\"abc\"}", count: 300).utf8)
        let chunked = try await TestHTTPClient.send(port: f.port, path: "/v1/refunds", headers: [("Idempotency-Key", "chunky")],
                                                    body: body, chunked: true)
        #expect(chunked.status == 201)
        #expect(f.ledger.requests.last?.body == body)
        let plain = try await TestHTTPClient.send(port: f.port, path: "/v1/refunds", headers: [("Idempotency-Key", "chunky")], body: body)
        #expect(plain.header("Idempotent-Replayed") == "true")
        #expect(plain.body == chunked.body)
        #expect(f.ledger.executions(key: "chunky") == 1)
        await f.shutdown()
    }
}
