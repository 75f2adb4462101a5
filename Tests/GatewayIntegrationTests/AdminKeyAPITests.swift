import Foundation
import Testing

/// `GET` and `DELETE /keys/{route}/{key}` on the admin listener: what
/// support sees of a key, and what a purge changes for the next retry.
@Suite(.serialized)
struct AdminKeyAPITests {
    /// A keyed POST to `refunds` that the upstream answers after 1.5 s.
    static func slowPost(port: Int, key: String) async throws -> TestResponse {
        try await TestHTTPClient.send(port: port, method: "POST", path: "/v1/refunds",
                                      headers: [("Idempotency-Key", key), ("X-Upstream-Delay-Ms", "1500")], body: Array("{}".utf8))
    }

    @Test func showsACompletedKey() async throws {
        let f = try await GatewayFixture(adminToken: GatewayFixture.adminToken)
        #expect(try await f.post("/v1/refunds", key: "show-1").status == 201)
        let shown = try await f.keys("GET", "/keys/refunds/show-1")
        #expect(shown.status == 200)
        #expect(shown.header("Content-Type") == "application/json")
        let object = try GatewayFixture.object(shown)
        #expect(object["route"] as? String == "refunds")
        #expect(object["state"] as? String == "completed")
        #expect(object["status"] as? Int == 201)
        #expect(object["fence"] as? Int == 1)
        let ttl = try #require(object["ttl_ms"] as? Int)
        #expect(ttl > 0 && ttl <= 86_400_000)
        // The record's size as Redis reports it.
        let recordKey = try #require(try await f.redisKeys().first)
        let client = f.redisClient()
        defer { client.shutdown() }
        guard case .integer(let length) = try await client.command(["STRLEN", recordKey]) else { throw KeyTestFailure("STRLEN answered no integer") }
        #expect(object["stored_bytes"] as? Int == Int(length))
        let hash = try #require(object["key_hash"] as? String)
        #expect(recordKey.contains(hash))
        let createdAt = try #require(object["created_at"] as? String)
        let created = try #require(rfc3339Date(createdAt))
        #expect(abs(created.timeIntervalSinceNow) < 10)
        await f.shutdown()
    }

    @Test func showsAnInFlightKeyAndPurgesItOnlyWithForce() async throws {
        let f = try await GatewayFixture(adminToken: GatewayFixture.adminToken)
        let port = f.port
        let slow = Task { try await Self.slowPost(port: port, key: "busy-1") }
        try await f.waitForRecord()
        let shown = try await f.keys("GET", "/keys/refunds/busy-1")
        #expect(shown.status == 200)
        let object = try GatewayFixture.object(shown)
        #expect(object["state"] as? String == "in_flight")
        #expect(object["status"] is NSNull)
        #expect(object["created_at"] is NSNull)
        #expect(object["fence"] as? Int == 1)
        #expect((object["ttl_ms"] as? Int ?? 0) > 0)

        let refused = try await f.keys("DELETE", "/keys/refunds/busy-1")
        #expect(refused.status == 409)
        #expect(GatewayFixture.problemType(refused) == "tag:idempotency-gateway,2026:key-in-flight")
        #expect(try await f.redisKeys().count == 1)
        let forced = try await f.keys("DELETE", "/keys/refunds/busy-1?force=true")
        #expect(forced.status == 204)
        #expect(forced.body.isEmpty)
        // The first request still answers; its claim is gone, so its answer is not stored.
        #expect(try await slow.value.status == 201)
        let retry = try await f.post("/v1/refunds", key: "busy-1")
        #expect(retry.status == 201)
        #expect(retry.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "busy-1") == 2)
        #expect(f.fences(key: "busy-1") == ["1", "2"])
        await f.shutdown()
    }

    @Test func purgeMakesTheNextRetryExecuteWithALargerFence() async throws {
        let f = try await GatewayFixture(adminToken: GatewayFixture.adminToken)
        #expect(try await f.post("/v1/refunds", key: "purge-1").status == 201)
        #expect(try await f.post("/v1/refunds", key: "purge-1").header("Idempotent-Replayed") == "true")
        #expect(try await f.keys("DELETE", "/keys/refunds/purge-1").status == 204)
        let gone = try await f.keys("GET", "/keys/refunds/purge-1")
        #expect(gone.status == 404)
        #expect(GatewayFixture.problemType(gone) == "tag:idempotency-gateway,2026:key-not-found")
        #expect(try await f.keys("DELETE", "/keys/refunds/purge-1").status == 404)
        // The fencing counter outlives the purge.
        #expect(try await f.redisKeys(includingFences: true).filter { $0.hasSuffix(":fence") }.count == 1)

        let again = try await f.post("/v1/refunds", key: "purge-1")
        #expect(again.status == 201)
        #expect(again.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "purge-1") == 2)
        #expect(f.fences(key: "purge-1") == ["1", "2"])
        #expect(try GatewayFixture.object(try await f.keys("GET", "/keys/refunds/purge-1"))["fence"] as? Int == 2)
        await f.shutdown()
    }

    @Test func everyCallNeedsTheToken() async throws {
        let f = try await GatewayFixture(adminToken: GatewayFixture.adminToken)
        #expect(try await f.post("/v1/refunds", key: "tok-1").status == 201)
        for token: String? in [nil, "wrong", GatewayFixture.adminToken + "x", ""] {
            for method in ["GET", "DELETE"] {
                let refused = try await f.keys(method, "/keys/refunds/tok-1", token: token)
                #expect(refused.status == 401)
                #expect(refused.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
                #expect(GatewayFixture.problemType(refused) == "tag:idempotency-gateway,2026:admin-unauthorized")
            }
        }
        let basic = try await TestHTTPClient.send(port: f.gateway.adminPort, method: "GET", path: "/keys/refunds/tok-1",
                                                  headers: [("Authorization", "Basic \(GatewayFixture.adminToken)")])
        #expect(basic.status == 401)
        // Nothing was purged by the refused DELETEs.
        #expect(try await f.post("/v1/refunds", key: "tok-1").header("Idempotent-Replayed") == "true")
        // The token guards POST /reload too.
        #expect(try await f.keys("POST", "/reload", token: nil).status == 401)
        #expect(try await f.keys("POST", "/reload", token: "wrong").status == 401)
        #expect(try await f.keys("POST", "/reload").status == 200)
        await f.shutdown()
    }

    @Test func withoutATokenTheKeyAPIDoesNotExist() async throws {
        let f = try await GatewayFixture()
        #expect(try await f.post("/v1/refunds", key: "none-1").status == 201)
        #expect(try await f.keys("GET", "/keys/refunds/none-1").status == 404)
        #expect(try await f.keys("DELETE", "/keys/refunds/none-1?force=true").status == 404)
        #expect(try await f.post("/v1/refunds", key: "none-1").header("Idempotent-Replayed") == "true")
        #expect(try await f.keys("POST", "/reload", token: nil).status == 200)
        await f.shutdown()
    }

    @Test func scopeValuesNameDifferentKeys() async throws {
        let f = try await GatewayFixture(adminToken: GatewayFixture.adminToken)
        let posted = try await f.post("/v1/charges", key: "scoped-1", headers: [("Authorization", "Bearer alice"), ("X-Account", "a")])
        #expect(posted.status == 201)
        #expect(try await f.keys("GET", "/keys/charges/scoped-1?scope.Authorization=Bearer%20alice").status == 200)
        #expect(try await f.keys("GET", "/keys/charges/scoped-1?scope.authorization=Bearer+alice").status == 200)
        #expect(try await f.keys("GET", "/keys/charges/scoped-1?scope.Authorization=Bearer%20bob").status == 404)
        #expect(try await f.keys("GET", "/keys/charges/scoped-1").status == 404)
        #expect(try await f.keys("DELETE", "/keys/charges/scoped-1?scope.Authorization=Bearer%20bob").status == 404)
        let stray = try await f.keys("GET", "/keys/charges/scoped-1?scope.X-Tenant=a")
        #expect(stray.status == 400)
        #expect(try await f.keys("GET", "/keys/charges/scoped-1?scop.Authorization=Bearer%20alice").status == 400)
        #expect(try await f.keys("GET", "/keys/charges/scoped-1?force=true").status == 400)
        #expect(try await f.post("/v1/charges", key: "scoped-1", headers: [("Authorization", "Bearer alice"), ("X-Account", "a")])
            .header("Idempotent-Replayed") == "true")
        await f.shutdown()
    }

    @Test func unknownRoutesAndAbsentKeysAre404Problems() async throws {
        let f = try await GatewayFixture(adminToken: GatewayFixture.adminToken)
        let unknown = try await f.keys("GET", "/keys/nosuch/k-1")
        #expect(unknown.status == 404)
        #expect(GatewayFixture.problemType(unknown) == "tag:idempotency-gateway,2026:unknown-route")
        #expect(GatewayFixture.problemType(try await f.keys("GET", "/keys/plain/k-1")) == "tag:idempotency-gateway,2026:unknown-route")
        let absent = try await f.keys("GET", "/keys/refunds/never-used")
        #expect(absent.status == 404)
        #expect(GatewayFixture.problemType(absent) == "tag:idempotency-gateway,2026:key-not-found")
        #expect(try await f.keys("GET", "/keys/refunds").status == 400)
        #expect(try await f.keys("GET", "/keys/refunds/bad%zz").status == 400)
        #expect(try await f.keys("GET", "/keys/refunds/k-1?scope.X=%").status == 400)
        let put = try await f.keys("PUT", "/keys/refunds/k-1")
        #expect(put.status == 405)
        #expect(put.header("Allow") == "GET, DELETE")
        #expect(GatewayFixture.problemType(put) == "tag:idempotency-gateway,2026:method-not-allowed")
        await f.shutdown()
    }
}

struct KeyTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An RFC 3339 timestamp with milliseconds, as `created_at` is written.
func rfc3339Date(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: text)
}
