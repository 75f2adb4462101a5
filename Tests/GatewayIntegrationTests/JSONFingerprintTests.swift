import Testing

/// `fingerprint: {body: json}` and `key_json` over HTTP: the same JSON in
/// other bytes replays, any other change is 422, and bodies that are not
/// JSON get their documented answers. Nothing refused reaches the upstream.
@Suite(.serialized)
struct JSONFingerprintTests {
    @Test func reorderedKeysWhiteSpaceAndIgnoredMembersReplay() async throws {
        let f = try await GatewayFixture(routes: GatewayFixture.webhookRoutes)
        let first = try await f.post("/v1/json", key: "json-1",
                                     body: #"{"amount":100,"currency":"eur","lines":[{"sku":"a","qty":1}],"attempt":1,"meta":{"sent_at":"2026-12-04T02:00:00Z","source":"sdk-1"}}"#)
        #expect(first.status == 201)
        let variants = [
            #"{"currency":"eur","amount":100,"meta":{"source":"sdk-1","sent_at":"2026-12-04T02:00:00Z"},"lines":[{"qty":1,"sku":"a"}],"attempt":1}"#,
            "{\n  \"amount\" : 100 ,\n\t\"currency\" : \"eur\",\r\n  \"lines\" : [ { \"sku\" : \"a\" , \"qty\" : 1 } ],\n  \"attempt\": 1,\n  \"meta\": {\"sent_at\": \"2026-12-04T02:00:00Z\", \"source\": \"sdk-1\"}\n}\n",
            #"{"amount":100,"currency":"eur","lines":[{"sku":"a","qty":1}],"attempt":4,"meta":{"sent_at":"2026-12-04T02:09:30Z","source":"sdk-1"}}"#,
            #"{"amount":1.00e2,"currency":"\u0065ur","lines":[{"sku":"a","qty":1}],"meta":{"source":"sdk-1"}}"#,
        ]
        for variant in variants {
            let retry = try await f.post("/v1/json", key: "json-1", body: variant)
            #expect(retry.status == 201)
            #expect(retry.header("Idempotent-Replayed") == "true")
            #expect(retry.body == first.body)
        }
        #expect(f.ledger.executions(key: "json-1") == 1)
        await f.shutdown()
    }

    @Test func anyOtherChangeIs422() async throws {
        let f = try await GatewayFixture(routes: GatewayFixture.webhookRoutes)
        let original = #"{"amount":100,"currency":"eur","lines":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"meta":{"source":"sdk-1"}}"#
        #expect(try await f.post("/v1/json", key: "json-2", body: original).status == 201)
        let changes = [
            #"{"amount":101,"currency":"eur","lines":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"meta":{"source":"sdk-1"}}"#,
            #"{"amount":"100","currency":"eur","lines":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"meta":{"source":"sdk-1"}}"#,
            #"{"amount":100,"currency":"EUR","lines":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"meta":{"source":"sdk-1"}}"#,
            #"{"amount":100,"currency":"eur","lines":[{"sku":"b","qty":2},{"sku":"a","qty":1}],"meta":{"source":"sdk-1"}}"#,
            #"{"amount":100,"currency":"eur","lines":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"meta":{"source":"sdk-2"}}"#,
            #"{"amount":100,"currency":"eur","lines":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"meta":{"source":"sdk-1"},"note":null}"#,
            #"{"amount":100,"currency":"eur","lines":[{"sku":"a","qty":1},{"sku":"b","qty":2}]}"#,
        ]
        for change in changes {
            let response = try await f.post("/v1/json", key: "json-2", body: change)
            #expect(response.status == 422)
            #expect(response.text.contains("idempotency-key-reused"))
        }
        #expect(f.ledger.executions(key: "json-2") == 1)
        await f.shutdown()
    }

    @Test func aBodyThatIsNotJSONIs400BodyNotJSON() async throws {
        let f = try await GatewayFixture(routes: GatewayFixture.webhookRoutes)
        for (index, body) in ["amount=100&currency=eur", #"{"amount":100"#, #"{"amount":1,"amount":2}"#, #"{"a":1} {"b":2}"#].enumerated() {
            let response = try await f.post("/v1/json", key: "not-json-\(index)", body: body)
            #expect(response.status == 400)
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(response.text.contains("tag:idempotency-gateway,2026:body-not-json"))
        }
        // Invalid UTF-8 inside a string, sent as raw bytes.
        let raw = Array("POST /v1/json HTTP/1.1\r\nHost: x\r\nIdempotency-Key: not-json-utf8\r\nContent-Length: 9\r\n\r\n".utf8)
            + Array(#"{"a":""#.utf8) + [0xC3, 0x22] + Array("}".utf8)
        let (invalidUTF8, _) = try await TestHTTPClient.sendRaw(port: f.port, bytes: raw)
        #expect(invalidUTF8.status == 400)
        #expect(invalidUTF8.text.contains("body-not-json"))
        #expect(f.ledger.totalExecutions == 0)
        #expect(try await f.redisKeys().isEmpty)
        let metrics = try await f.metrics()
        #expect(metrics.value("idempotency_requests_total", ["route": "json", "outcome": "body_not_json"]) == 5)
        await f.shutdown()
    }

    @Test func aMissingBodyKeyFollowsRequired() async throws {
        let f = try await GatewayFixture(routes: GatewayFixture.webhookRoutes)
        for body in [#"{"order":{}}"#, "not json", #"{"order":{"id":12.5}}"#] {
            let refused = try await f.post("/v1/body-key-required", key: "header-is-not-read", body: body)
            #expect(refused.status == 400)
            #expect(refused.text.contains("missing-idempotency-key"))
            #expect(refused.text.contains("/order/id"))
        }
        #expect(f.ledger.totalExecutions == 0)

        let forwarded = try await f.post("/v1/body-key-optional", key: "header-is-not-read", body: #"{"order":{}}"#)
        #expect(forwarded.status == 201)
        let again = try await f.post("/v1/body-key-optional", key: "header-is-not-read", body: #"{"order":{}}"#)
        #expect(again.status == 201)
        #expect(again.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.totalExecutions == 2)

        // With the key present, the integer id is the key.
        let keyed = try await f.post("/v1/body-key-optional", key: nil, body: #"{"order":{"id":6735}}"#)
        let replayed = try await f.post("/v1/body-key-optional", key: nil, body: #"{"order":{"id":6735}}"#)
        #expect(keyed.status == 201)
        #expect(replayed.header("Idempotent-Replayed") == "true")
        #expect(f.ledger.totalExecutions == 3)
        await f.shutdown()
    }
}
