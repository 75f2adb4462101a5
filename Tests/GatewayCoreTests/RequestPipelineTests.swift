import GatewayTestSupport
import Testing
@testable import GatewayCore

/// Admit, claim, forward and settle, one request at a time.
@Suite struct RequestPipelineTests {
    // MARK: execute and replay

    @Test func firstRequestExecutesAndIsStored() async throws {
        let fixture = PipelineFixture()
        let result = await fixture.handle(charge())
        #expect(result.response.status == 201)
        #expect(result.response.text == "created")
        #expect(result.outcome == .executed)
        #expect(result.upstreamStatus == 201)
        #expect(!result.response.isReplay)
        #expect(result.events == [.stored(bytes: 7)])
        #expect(result.keyDigest == fixture.storeKey("key-1").digest)
        #expect(fixture.transport.callCount == 1)
        guard case .completed(_, let snapshot)? = await fixture.store.record(for: fixture.storeKey("key-1")) else {
            Issue.record("no completed record in the store")
            return
        }
        #expect(snapshot.status == 201)
        #expect(snapshot.body == Array("created".utf8))
    }

    @Test func retryReplaysTheSameStatusHeadersAndBytes() async throws {
        let body = (0...255).map { UInt8($0) } + Array("tail".utf8)
        let upstreamHeaders = [
            HeaderField(name: "Content-Type", value: "application/octet-stream"),
            HeaderField(name: "Set-Cookie", value: "a=1"),
            HeaderField(name: "Content-Length", value: String(body.count)),
            HeaderField(name: "Connection", value: "close"),
            HeaderField(name: "Set-Cookie", value: "b=2"),
            HeaderField(name: "Location", value: "/v1/charges/ch_1"),
        ]
        let fixture = PipelineFixture(transport: FakeTransport(.response(UpstreamResponse(status: 202, headers: upstreamHeaders, body: body))))
        let first = await fixture.handle(charge())
        let retry = await fixture.handle(charge())

        let endToEnd = [
            HeaderField(name: "Content-Type", value: "application/octet-stream"),
            HeaderField(name: "Set-Cookie", value: "a=1"),
            HeaderField(name: "Set-Cookie", value: "b=2"),
            HeaderField(name: "Location", value: "/v1/charges/ch_1"),
        ]
        #expect(first.response.headers == endToEnd)
        #expect(first.response.body == body)
        #expect(retry.outcome == .replayed)
        #expect(retry.response.status == 202)
        #expect(retry.response.body == body)
        #expect(retry.response.headers == endToEnd + [HeaderField(name: "Idempotent-Replayed", value: "true")])
        #expect(retry.upstreamStatus == nil)
        #expect(retry.keyDigest == first.keyDigest)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func quotedAndPlainKeysAreTheSameKey() async {
        let fixture = PipelineFixture()
        _ = await fixture.handle(charge(key: "abc"))
        let retry = await fixture.handle(charge(key: "\"abc\""))
        #expect(retry.outcome == .replayed)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func aHundredSequentialRetriesExecuteOnce() async {
        let fixture = PipelineFixture()
        let first = await fixture.handle(charge())
        #expect(first.outcome == .executed)
        for _ in 0..<100 {
            let retry = await fixture.handle(charge())
            #expect(retry.response.status == 201)
            #expect(retry.response.text == "created")
            #expect(retry.outcome == .replayed)
        }
        #expect(fixture.transport.callCount == 1)
    }

    @Test func differentKeysExecuteSeparately() async {
        let fixture = PipelineFixture()
        #expect(await fixture.handle(charge(key: "k1")).outcome == .executed)
        #expect(await fixture.handle(charge(key: "k2")).outcome == .executed)
        #expect(fixture.transport.callCount == 2)
        #expect(await fixture.store.count == 2)
    }

    @Test func theKeyHeaderIsForwardedAndHeadersAreRewritten() async throws {
        let fixture = PipelineFixture()
        _ = await fixture.handle(charge(key: "k1", query: "expand=customer",
                                        headers: [HeaderField(name: "Host", value: "gw.example"),
                                                  HeaderField(name: "Connection", value: "X-Hop"),
                                                  HeaderField(name: "X-Hop", value: "1")]))
        let sent = try #require(fixture.transport.requests.first)
        #expect(sent.url == "http://upstream.test:9000/v1/charges?expand=customer")
        #expect(sent.method == "POST")
        #expect(sent.body == Array(#"{"amount":100}"#.utf8))
        #expect(sent.headers.values(named: "Idempotency-Key") == ["k1"])
        #expect(sent.headers.values(named: "X-Forwarded-For") == ["192.0.2.1"])
        #expect(sent.headers.values(named: "X-Forwarded-Host") == ["gw.example"])
        #expect(sent.headers.values(named: "Host").isEmpty)
        #expect(sent.headers.values(named: "X-Hop").isEmpty)
    }

    // MARK: mismatch

    @Test(arguments: [
        charge(body: #"{"amount":999}"#),
        charge(path: "/v1/charges/other"),
        charge(query: "a=1"),
        charge(method: "PATCH"),
    ])
    func reusingAKeyForAnotherRequestIs422(other: GatewayRequest) async throws {
        var policy = IdempotencyPolicy()
        policy.methods = ["POST", "PATCH"]
        let fixture = PipelineFixture(policy: policy)
        _ = await fixture.handle(charge())
        let reused = await fixture.handle(other)
        #expect(reused.response.status == 422)
        #expect(reused.outcome == .mismatch)
        #expect(try slug(reused.response) == "idempotency-key-reused")
        #expect(fixture.transport.callCount == 1)
        // The original is still there for the genuine retry.
        #expect(await fixture.handle(charge()).outcome == .replayed)
    }

    @Test func aDifferentFingerprintHeaderIs422() async throws {
        var policy = IdempotencyPolicy()
        policy.fingerprintHeaders = ["X-Account"]
        let fixture = PipelineFixture(policy: policy)
        _ = await fixture.handle(charge(headers: [HeaderField(name: "X-Account", value: "acct_1")]))
        let other = await fixture.handle(charge(headers: [HeaderField(name: "X-Account", value: "acct_2")]))
        let missing = await fixture.handle(charge())
        let same = await fixture.handle(charge(headers: [HeaderField(name: "x-account", value: "acct_1")]))
        #expect(other.response.status == 422)
        #expect(missing.response.status == 422)
        #expect(same.outcome == .replayed)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func headersOutsideTheFingerprintDoNotMatter() async {
        let fixture = PipelineFixture()
        _ = await fixture.handle(charge(headers: [HeaderField(name: "User-Agent", value: "a")]))
        let retry = await fixture.handle(charge(headers: [HeaderField(name: "User-Agent", value: "b")]))
        #expect(retry.outcome == .replayed)
    }

    // MARK: admit

    @Test func missingKeyOnARequiredRouteIs400() async throws {
        var policy = IdempotencyPolicy()
        policy.required = true
        let fixture = PipelineFixture(policy: policy)
        let result = await fixture.handle(charge(key: nil))
        #expect(result.response.status == 400)
        #expect(result.outcome == .missingKey)
        #expect(try slug(result.response) == "missing-idempotency-key")
        #expect(try problem(result.response)["detail"] as? String == "this route requires an Idempotency-Key header on this method")
        #expect(fixture.transport.callCount == 0)
    }

    @Test func missingKeyOnAnOptionalRoutePassesThrough() async {
        let fixture = PipelineFixture()
        let first = await fixture.handle(charge(key: nil))
        let second = await fixture.handle(charge(key: nil))
        #expect(first.response.status == 201)
        #expect(first.outcome == .passthrough)
        #expect(second.outcome == .passthrough)
        #expect(first.keyDigest == nil)
        #expect(fixture.transport.callCount == 2)
        #expect(await fixture.store.count == 0)
    }

    @Test(arguments: ["", "a b", "\"open", String(repeating: "x", count: 256), "clé"])
    func invalidKeyIs400(raw: String) async throws {
        let fixture = PipelineFixture()
        let result = await fixture.handle(charge(key: raw))
        #expect(result.response.status == 400)
        #expect(result.outcome == .invalidKey)
        #expect(try slug(result.response) == "invalid-idempotency-key")
        #expect(fixture.transport.callCount == 0)
        #expect(await fixture.store.count == 0)
    }

    @Test func twoKeyHeadersAre400EvenWhenEqual() async throws {
        let fixture = PipelineFixture()
        let result = await fixture.handle(charge(key: "k1", headers: [HeaderField(name: "idempotency-key", value: "k1")]))
        #expect(result.response.status == 400)
        #expect(result.outcome == .invalidKey)
        #expect((try problem(result.response)["detail"] as? String)?.contains("more than one") == true)
        #expect(fixture.transport.callCount == 0)
    }

    @Test func aCustomKeyHeaderIsUsed() async {
        var policy = IdempotencyPolicy()
        policy.header = "X-Request-Id"
        let fixture = PipelineFixture(policy: policy)
        let request = charge(key: nil, headers: [HeaderField(name: "x-request-id", value: "r1")])
        _ = await fixture.handle(request)
        #expect(await fixture.handle(request).outcome == .replayed)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func methodOutsideThePolicyPassesThroughWithoutClaiming() async {
        let fixture = PipelineFixture()
        let get = charge(method: "GET")
        let first = await fixture.handle(get)
        let second = await fixture.handle(get)
        #expect(first.outcome == .passthrough)
        #expect(second.outcome == .passthrough)
        #expect(!second.response.isReplay)
        #expect(fixture.transport.callCount == 2)
        #expect(await fixture.store.count == 0)
    }

    @Test func aRouteWithoutIdempotencyPassesThrough() async {
        let fixture = PipelineFixture(policy: nil)
        _ = await fixture.handle(charge())
        let second = await fixture.handle(charge())
        #expect(second.outcome == .passthrough)
        #expect(fixture.transport.callCount == 2)
        #expect(await fixture.store.count == 0)
    }
}
