import Foundation
import Testing

/// `idempotency-gateway key show|purge` against the Redis a running gateway
/// uses, with the gateway's own configuration file.
@Suite(.serialized)
struct KeyCommandTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: GatewayProcess.binaryPath)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    /// A one-route configuration file with `store`, written to a temporary path.
    static func configFile(store: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString).yaml").path
        try """
            version: 1
            store: \(store)
            upstreams:
              main: { url: "http://127.0.0.1:9" }
            routes:
              - name: refunds
                match: { path_prefix: /v1/refunds }
                upstream: main
                idempotency: {}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func showAndPurgeMatchTheAdminAPI() async throws {
        let f = try await GatewayFixture(adminToken: GatewayFixture.adminToken, replayCache: "300ms")
        let config = f.gateway.configPath
        #expect(try await f.post("/v1/charges", key: "cli-1", headers: [("Authorization", "Bearer alice"), ("X-Account", "a")]).status == 201)
        let scoped = ["--config", config, "--route", "charges", "--key", "cli-1", "--scope", "Authorization=Bearer alice"]

        let shown = try Self.run(["key", "show"] + scoped)
        #expect(shown.status == 0, "\(shown.stderr)")
        let cli = try #require(JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let api = try GatewayFixture.object(try await f.keys("GET", "/keys/charges/cli-1?scope.Authorization=Bearer%20alice"))
        for field in ["route", "key_hash", "state", "status", "stored_bytes", "fence"] {
            #expect("\(cli[field] ?? "missing")" == "\(api[field] ?? "missing")", "\(field)")
        }
        #expect(cli["state"] as? String == "completed")
        #expect((cli["ttl_ms"] as? Int ?? 0) > 0)
        let hash = try #require(api["key_hash"] as? String)
        #expect(shown.stderr.contains(hash))
        #expect(!shown.stderr.contains("cli-1"))

        let otherScope = try Self.run(["key", "show", "--config", config, "--route", "charges", "--key", "cli-1",
                                       "--scope", "Authorization=Bearer bob"])
        #expect(otherScope.status == 1)

        let purged = try Self.run(["key", "purge"] + scoped)
        #expect(purged.status == 0, "\(purged.stderr)")
        #expect(try Self.run(["key", "show"] + scoped).status == 1)
        #expect(try Self.run(["key", "purge"] + scoped).status == 1)
        #expect(try await f.keys("GET", "/keys/charges/cli-1?scope.Authorization=Bearer%20alice").status == 404)
        // The CLI purges in Redis, not in the gateway: its replay cache lets
        // go of the record within `replay_cache` (docs/operations.md).
        try await Task.sleep(for: .milliseconds(400))
        let again = try await f.post("/v1/charges", key: "cli-1", headers: [("Authorization", "Bearer alice"), ("X-Account", "a")])
        #expect(again.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.executions(key: "cli-1") == 2)
        await f.shutdown()
    }

    @Test func anInFlightKeyNeedsForce() async throws {
        let f = try await GatewayFixture()
        let port = f.port
        let slow = Task { try await AdminKeyAPITests.slowPost(port: port, key: "cli-busy") }
        try await f.waitForRecord()
        let arguments = ["key", "purge", "--config", f.gateway.configPath, "--route", "refunds", "--key", "cli-busy"]
        let shown = try Self.run(["key", "show", "--config", f.gateway.configPath, "--route", "refunds", "--key", "cli-busy"])
        #expect(shown.stdout.contains("\"state\":\"in_flight\""))
        #expect(try Self.run(arguments).status == 3)
        #expect(try await f.redisKeys().count == 1)
        #expect(try Self.run(arguments + ["--force"]).status == 0)
        #expect(try await f.redisKeys().isEmpty)
        _ = try await slow.value
        await f.shutdown()
    }

    @Test func usageAndConfigurationMistakesExit2() async throws {
        let f = try await GatewayFixture()
        let config = f.gateway.configPath
        #expect(try Self.run(["key", "show", "--config", config, "--route", "nosuch", "--key", "k"]).status == 2)
        #expect(try Self.run(["key", "show", "--config", config, "--route", "refunds"]).status == 2)
        #expect(try Self.run(["key", "show", "--config", config, "--route", "charges", "--key", "k", "--scope", "X-Tenant=a"]).status == 2)
        #expect(try Self.run(["key", "show", "--config", config, "--route", "charges", "--key", "k", "--scope", "novalue"]).status == 2)
        #expect(try Self.run(["key", "show", "--config", "/nonexistent.yaml", "--route", "refunds", "--key", "k"]).status == 2)
        let memoryPath = try Self.configFile(store: "{ backend: memory }")
        let refused = try Self.run(["key", "show", "--config", memoryPath, "--route", "refunds", "--key", "k"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("memory"))
        await f.shutdown()
    }

    @Test func anUnreachableStoreExits4() throws {
        let path = try Self.configFile(store: "{ backend: redis, redis: { url: \"redis://127.0.0.1:\(FreePort.next())\", timeout: 200ms } }")
        for command in ["show", "purge"] {
            let result = try Self.run(["key", command, "--config", path, "--route", "refunds", "--key", "k"])
            #expect(result.status == 4)
            #expect(result.stderr.contains("store_unavailable"))
            #expect(result.stdout.isEmpty)
        }
    }
}
