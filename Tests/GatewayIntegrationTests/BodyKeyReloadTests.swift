import Foundation
import Testing

/// `key_json` and `fingerprint` change with a reload like every route
/// field, and `check` and a reload name a bad pointer's field and file.
@Suite(.serialized)
struct BodyKeyReloadTests {
    static let raw = """
        routes:
          - name: orders
            match: { path_prefix: /v1/orders }
            upstream: main
            idempotency: { lock_ttl: 3s }
        """

    static let json = """
        routes:
          - name: orders
            match: { path_prefix: /v1/orders }
            upstream: main
            idempotency: { lock_ttl: 3s, fingerprint: { body: json } }
        """

    static let badPointer = """
        routes:
          - name: orders
            match: { path_prefix: /v1/orders }
            upstream: main
            idempotency: { lock_ttl: 3s, key_json: "order/id", fingerprint: { body: json, ignore: ["/a~2"] } }
        """

    @Test func aReloadTurnsOnJSONFingerprints() async throws {
        let f = try await GatewayFixture(routes: Self.raw)
        // Already canonical, so its raw and JSON fingerprints are the same.
        #expect(try await f.post("/v1/orders", key: "ord-1", body: #"{"a":1,"b":2}"#).status == 201)
        #expect(try await f.post("/v1/orders", key: "ord-1", body: #"{"b":2,"a":1}"#).status == 422)

        try f.gateway.rewriteConfig(ReloadTests.config(f, routes: Self.json))
        #expect(try await f.gateway.reload().status == 200)
        let reordered = try await f.post("/v1/orders", key: "ord-1", body: #"{"b":2,"a":1}"#)
        #expect(reordered.status == 201)
        #expect(reordered.header("Idempotent-Replayed") == "true")
        #expect(try await f.post("/v1/orders", key: "ord-2", body: "a=1").status == 400)
        #expect(f.ledger.totalExecutions == 1)
        await f.shutdown()
    }

    @Test func aBadPointerIsNamedByCheckAndRefusedByReload() async throws {
        let f = try await GatewayFixture(routes: Self.json)
        try f.gateway.rewriteConfig(ReloadTests.config(f, routes: Self.badPointer))
        let check = try CheckCommandTests.run(["check", "--config", f.gateway.configPath])
        #expect(check.status != 0)
        let lines = check.output.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains(f.gateway.configPath) && $0.contains("routes[0].idempotency.key_json") })
        #expect(lines.contains { $0.contains("routes[0].idempotency.fingerprint.ignore[0]") })

        #expect(try await f.gateway.reload().status == 400)
        // Still the running configuration: reordered JSON replays.
        #expect(try await f.post("/v1/orders", key: "ord-1", body: #"{"a":1,"b":2}"#).status == 201)
        #expect(try await f.post("/v1/orders", key: "ord-1", body: #"{ "b": 2, "a": 1 }"#).header("Idempotent-Replayed") == "true")
        await f.shutdown()
    }
}
