import Foundation
import Testing

/// Every key API call is counted and leaves an audit line that names the
/// key's hash and never the key.
@Suite(.serialized)
struct AdminKeyAuditTests {
    @Test func callsAreCountedByOperationAndResult() async throws {
        let f = try await GatewayFixture(adminToken: GatewayFixture.adminToken)
        #expect(try await f.post("/v1/refunds", key: "count-1").status == 201)
        _ = try await f.keys("GET", "/keys/refunds/count-1")
        _ = try await f.keys("GET", "/keys/refunds/count-1")
        _ = try await f.keys("GET", "/keys/refunds/absent-1")
        _ = try await f.keys("GET", "/keys/refunds/count-1", token: "wrong")
        _ = try await f.keys("DELETE", "/keys/refunds/count-1")
        _ = try await f.keys("DELETE", "/keys/nosuch/count-1")
        let metrics = try await f.metrics()
        func count(_ operation: String, _ result: String) -> Double? {
            metrics.value("admin_key_operations_total", ["operation": operation, "result": result])
        }
        #expect(count("show", "found") == 2)
        #expect(count("show", "absent") == 1)
        #expect(count("show", "unauthorized") == 1)
        #expect(count("purge", "purged") == 1)
        #expect(count("purge", "invalid") == 1)
        #expect(count("purge", "in_flight") == 0)
        #expect(try await f.admin("/metrics").text.contains("# HELP admin_key_operations_total "))
        await f.shutdown()
    }

    @Test func theAuditLineNamesTheHashNotTheKey() async throws {
        let f = try await GatewayFixture(logFormat: "json", adminToken: GatewayFixture.adminToken)
        let key = "audit-secret-7f3a"
        #expect(try await f.post("/v1/refunds", key: key).status == 201)
        let hash = try #require(try GatewayFixture.object(try await f.keys("GET", "/keys/refunds/\(key)"))["key_hash"] as? String)
        #expect(try await f.keys("DELETE", "/keys/refunds/\(key)").status == 204)
        _ = try await f.keys("DELETE", "/keys/refunds/\(key)", token: "wrong")
        await f.gateway.waitForLog(containing: "\"unauthorized\"")
        let audits = f.gateway.log.split(separator: "\n").filter { $0.contains("admin key operation") }
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(audits.count == 3)
        func field(_ line: [String: Any], _ name: String) -> String? {
            (line[name] as? String) ?? ((line["metadata"] as? [String: Any])?[name] as? String)
        }
        let results = audits.compactMap { field($0, "result") }
        #expect(results == ["found", "purged", "unauthorized"])
        #expect(audits.prefix(2).allSatisfy { field($0, "key.hash") == hash && field($0, "route") == "refunds" })
        #expect(audits.allSatisfy { field($0, "client.address") == "127.0.0.1" })
        #expect(audits.map { field($0, "operation") } == ["show", "purge", "purge"])
        #expect(!f.gateway.log.contains(key))
        await f.shutdown()
    }
}
