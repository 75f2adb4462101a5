import Foundation
import Testing

/// `idempotency-gateway check` names the file and the field of every problem,
/// and `serve` refuses the same file.
@Suite
struct CheckCommandTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: GatewayProcess.binaryPath)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func write(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let badConfig = """
        version: 1
        upstreams:
          payments:
            url: "http://127.0.0.1:9000"
            timeout: 30s
        routes:
          - name: charges
            match: { path_prefix: /v1/charges }
            upstream: payments
            idempotency: {}
          - name: refunds
            match: { path_prefix: /v1/refunds }
            upstream: payments
            idempotency:
              ttl: 24 hours
          - name: orders
            match: { path_prefix: /v1/orders }
            upstream: billing
        """

    @Test func checkReportsEveryProblemByField() throws {
        let path = try Self.write(Self.badConfig)
        let (status, output) = try Self.run(["check", "--config", path])
        #expect(status != 0)
        let lines = output.split(separator: "\n").map(String.init)
        let ttl = lines.first { $0.contains("routes[1].idempotency.ttl") }
        #expect(ttl != nil, "output was: \(output)")
        #expect(ttl?.contains(path) == true)
        let upstream = lines.first { $0.contains("routes[2].upstream") }
        #expect(upstream != nil, "output was: \(output)")
        #expect(upstream?.contains("billing") == true)
    }

    @Test func serveRefusesABadConfig() throws {
        let path = try Self.write(Self.badConfig)
        let (status, output) = try Self.run(["serve", "--config", path])
        #expect(status != 0)
        #expect(output.contains("routes[1].idempotency.ttl"))
    }

    @Test func checkAcceptsTheShippedConfig() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let (status, output) = try Self.run(["check", "--config", root.appendingPathComponent("gateway.yaml").path])
        #expect(status == 0, "output was: \(output)")
        #expect(output.contains("OK"))
    }
}
