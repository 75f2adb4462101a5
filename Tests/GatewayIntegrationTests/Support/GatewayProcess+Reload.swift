import Foundation

/// Changing the running gateway's configuration file and asking it to
/// reload, as an operator or a config-reloader sidecar would.
extension GatewayProcess {
    /// Replaces the file given to `serve --config` (same placeholders as
    /// `init`), atomically, as editors and ConfigMap updates do.
    func rewriteConfig(_ yaml: String, port: Int? = nil, adminPort: Int? = nil) throws {
        let text = yaml.replacingOccurrences(of: "{{PORT}}", with: String(port ?? self.port))
            .replacingOccurrences(of: "{{ADMIN_PORT}}", with: String(adminPort ?? self.adminPort))
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// `POST /reload` on the admin listener.
    func reload() async throws -> TestResponse {
        try await TestHTTPClient.send(port: adminPort, method: "POST", path: "/reload")
    }

    /// How many lines of the log hold `text`.
    func logLines(containing text: String) -> [Substring] {
        log.split(separator: "\n").filter { $0.contains(text) }
    }

    /// Waits, bounded, until `count` lines hold `text` (a SIGHUP reload is
    /// asynchronous: the log line is its only answer).
    func waitForLogLines(containing text: String, count: Int, timeout: Duration = .seconds(5)) async {
        let deadline = ContinuousClock.now + timeout
        while logLines(containing: text).count < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
