import Foundation
import Testing

/// Issue 14, item G, through the real gateway: `Idempotent-Replayed` and
/// `Idempotency-Fence` are the gateway's in both directions, and a client's
/// `Connection` header cannot strip the key or the headers the gateway adds.
@Suite(.serialized)
struct GatewayOwnedHeadersTests {
    static let routes = """
        routes:
          - name: raw
            match: { path_prefix: /v1/raw }
            upstream: raw
            idempotency: { lock_ttl: 5s }
        """

    @Test func upstreamCopiesOfTheGatewaysHeadersNeverReachTheClient() async throws {
        let upstream = try RawUpstream { _ in
            .ok("done", status: 201, headers: ["Idempotent-Replayed: false", "Idempotency-Fence: 7", "X-Kept: 1"])
        }
        defer { upstream.close() }
        let f = try await GatewayFixture(routes: Self.routes, extraUpstreams: { _ in
            """
              raw:
                url: "http://127.0.0.1:\(upstream.port)"
            """
        })
        let first = try await f.post("/v1/raw/op", key: "owned-1")
        #expect(first.status == 201 && first.header("X-Kept") == "1")
        #expect(first.headers(named: "Idempotent-Replayed").isEmpty)
        #expect(first.headers(named: "Idempotency-Fence").isEmpty)
        let replay = try await f.post("/v1/raw/op", key: "owned-1")
        #expect(replay.headers(named: "Idempotent-Replayed") == ["true"])
        #expect(replay.headers(named: "Idempotency-Fence").isEmpty)
        #expect(upstream.executions(key: "owned-1") == 1)
        await f.shutdown()
    }

    @Test func clientCannotStripTheKeyOrSendTheGatewaysHeaders() async throws {
        let f = try await GatewayFixture()
        let response = try await f.post("/v1/refunds", key: "conn-1", headers: [
            ("Connection", "Idempotency-Key, X-Forwarded-For, X-Request-Id, X-Drop"),
            ("X-Drop", "1"), ("X-Forwarded-For", "198.51.100.1"),
            ("Idempotent-Replayed", "true"), ("Idempotency-Fence", "99"),
        ])
        #expect(response.status == 201)
        let seen = try #require(f.ledger.requests.last)
        #expect(seen.header("Idempotency-Key") == "conn-1")
        #expect(seen.header("X-Forwarded-For") == "198.51.100.1, 127.0.0.1")
        #expect(seen.header("X-Request-Id") == response.header("X-Request-Id"))
        #expect(seen.header("X-Drop") == nil)
        #expect(seen.header("Idempotent-Replayed") == nil)
        #expect(seen.headers(named: "Idempotency-Fence") == ["1"])
        await f.shutdown()
    }
}
