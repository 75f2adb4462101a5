import ArgumentParser
import GatewayCore

/// `idempotency-gateway serve` runs the proxy; `check` validates a config;
/// `key` inspects or purges one key for support.
@main
struct IdempotencyGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idempotency-gateway",
        abstract: "A reverse proxy that makes keyed requests execute once.",
        version: GatewayVersion.current,
        subcommands: [ServeCommand.self, CheckCommand.self, KeyCommand.self],
        defaultSubcommand: ServeCommand.self)
}
