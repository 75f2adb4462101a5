import GatewayConfig

/// Small valid files to start from, and helpers that parse and return either
/// the configuration or the problems.
enum ConfigFixtures {
    /// The smallest valid file: everything else takes its default.
    static let minimal = """
        version: 1
        upstreams:
          payments:
            url: "http://127.0.0.1:9000"
        routes:
          - name: charges
            match:
              path_prefix: /v1/charges
            upstream: payments

        """

    /// `minimal` plus extra top-level sections.
    static func minimal(with extra: String) -> String {
        minimal + extra
    }

    /// A file whose single route has the given `idempotency` block (indented
    /// under the route), bound to an upstream with the given timeout.
    static func route(idempotency: String, upstreamTimeout: String = "30s") -> String {
        """
        version: 1
        upstreams:
          payments:
            url: "http://127.0.0.1:9000"
            timeout: \(upstreamTimeout)
        routes:
          - name: charges
            match:
              path_prefix: /v1/charges
            upstream: payments
            idempotency:
        \(idempotency.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n"))

        """
    }

    /// A file whose single upstream `payments` has the given extra fields
    /// (indented under the upstream, after its url).
    static func upstream(_ fields: String) -> String {
        """
        version: 1
        upstreams:
          payments:
            url: "http://127.0.0.1:9000"
        \(fields.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
        routes:
          - name: charges
            match:
              path_prefix: /v1/charges
            upstream: payments

        """
    }

    static func parse(_ yaml: String, environment: [String: String] = [:]) throws(ConfigurationError) -> GatewayConfiguration {
        try ConfigurationLoader.parse(yaml: yaml, file: "gateway.yaml", environment: environment)
    }

    /// The problems of a file expected to be invalid; empty if it loaded.
    static func problems(_ yaml: String, environment: [String: String] = [:]) -> [ConfigurationProblem] {
        do {
            _ = try parse(yaml, environment: environment)
            return []
        } catch {
            return error.problems
        }
    }

    /// The repository root, from a test file's `#filePath`
    /// (`<root>/Tests/GatewayConfigTests/<file>`).
    static func repositoryRoot(from filePath: String) -> String {
        var components = filePath.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return components.joined(separator: "/")
    }
}
