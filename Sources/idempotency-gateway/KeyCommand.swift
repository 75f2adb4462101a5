import ArgumentParser

/// `idempotency-gateway key show|purge`: the admin key API's operations run
/// straight against the configured Redis, for when no gateway is up or its
/// admin listener is out of reach.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Inspect or purge one idempotency key in the configured Redis.",
        discussion: "Exit status: 0 found or purged, 1 no record for the key, 2 bad configuration or usage, "
            + "3 the key is in flight (purge without --force), 4 the store did not answer.",
        subcommands: [KeyShowCommand.self, KeyPurgeCommand.self])
}
