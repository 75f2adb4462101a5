import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `idempotency-gateway` binary, started with a config written to a
/// temporary file. Tests talk to it over HTTP and can kill it like an
/// operator (or a crash) would.
final class GatewayProcess {
    let port: Int
    let adminPort: Int
    let configPath: String
    let logPath: String
    private let process = Process()
    /// Set once a test sends the process a signal that may end it, or waits
    /// for it to exit: an exit after that is expected.
    private var exitExpected = false

    /// The binary next to the test bundle, or `GATEWAY_BIN`.
    static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["GATEWAY_BIN"] { return path }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("idempotency-gateway").path
    }

    /// Writes `yaml` (with `{{PORT}}` and `{{ADMIN_PORT}}` filled in) and
    /// starts the gateway; returns once it says both its listeners are up
    /// and the proxy port accepts.
    init(yaml: String, port: Int = FreePort.next(), adminPort: Int = FreePort.next()) async throws {
        self.port = port
        self.adminPort = adminPort
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        configPath = directory.appendingPathComponent("gateway.yaml").path
        logPath = directory.appendingPathComponent("gateway.log").path
        let text = yaml.replacingOccurrences(of: "{{PORT}}", with: String(port))
            .replacingOccurrences(of: "{{ADMIN_PORT}}", with: String(adminPort))
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)

        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = ["serve", "--config", configPath]
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try await waitUntilAccepting()
    }

    private func waitUntilAccepting() async throws {
        for _ in 0..<300 {
            // Its own log lines as well as an open port: a port taken by
            // some other process in the meantime would accept too, and the
            // test would talk to that process. Both listeners, since either
            // failing to bind stops the gateway.
            let text = log
            if text.contains("gateway listening"), text.contains("admin listening"), FreePort.isAccepting(port) { return }
            if !process.isRunning {
                exitExpected = true  // the error below reports it
                throw GatewayFailedToStart(status: process.terminationStatus,
                                           log: "exit status \(process.terminationStatus), config \(configPath)\n" + log)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw GatewayFailedToStart(status: nil, log: log)
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// What the gateway wrote to stdout and stderr so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits, bounded, until the log holds `text`: a line logged right after
    /// a response was written can reach the file after the client has read it.
    func waitForLog(containing text: String, timeout: Duration = .seconds(5)) async {
        let deadline = ContinuousClock.now + timeout
        while !log.contains(text), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    func signal(_ signal: Int32) {
        reportUnexpectedExit()
        // SIGSTOP and SIGCONT pause and resume it: an exit is still news.
        if signal != SIGSTOP, signal != SIGCONT { exitExpected = true }
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit and returns its status.
    func waitForExit(timeout: Duration = .seconds(40)) async -> Int32? {
        exitExpected = true
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGKILL, and wait for the process to be gone.
    func kill9() async {
        signal(SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
    }

    /// A gateway that exited before any test asked it to crashed: the test
    /// fails with the log, whose backtrace names the cause. Without this a
    /// crash shows up only as a reset connection on the next request.
    private func reportUnexpectedExit() {
        guard !exitExpected, !process.isRunning else { return }
        exitExpected = true
        Issue.record("gateway exited on its own with status \(process.terminationStatus); log:\n\(Self.excerpt(of: log))")
    }

    /// From the crash report on, or the last lines.
    static func excerpt(of log: String) -> String {
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false)
        let start = lines.firstIndex { $0.contains("*** Program crashed") || $0.contains("Fatal error") } ?? max(0, lines.count - 40)
        return lines[start..<min(lines.count, start + 80)].joined(separator: "\n")
    }

    deinit {
        reportUnexpectedExit()
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
    }
}

struct GatewayFailedToStart: Error, CustomStringConvertible {
    /// The exit status, or nil if it was still running but not accepting.
    var status: Int32?
    var log: String
    var description: String { "gateway did not start; its log:\n\(log)" }
}
