import ArgumentParser
import GatewayConfig

/// Validates a configuration file without starting anything, for CI and for
/// a deploy step before a restart.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a gateway configuration file; prints one line per problem.")

    @Option(name: .shortAndLong, help: "Path to the configuration file.")
    var config = "gateway.yaml"

    func run() throws {
        let loaded = try ConfigurationReport.loadOrExit(path: config)
        print("\(config): OK (\(loaded.routes.count) routes, \(loaded.upstreams.count) upstreams)")
    }
}
