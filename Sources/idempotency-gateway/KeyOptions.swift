import ArgumentParser
import Foundation

/// What `key show` and `key purge` share: which file, route, key and scope.
struct KeyOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Path to the configuration file (the store and the routes are read from it).")
    var config = "gateway.yaml"

    @Option(help: "The route's name, as in the configuration.")
    var route: String?

    @Option(help: "The idempotency key, exactly as the client sent it in the header.")
    var key: String?

    @Option(help: ArgumentHelp("A scope header's value, as the client sent it; repeat for each scope header.",
                               valueName: "Header=Value"))
    var scope: [String] = []

    /// Usage mistakes exit 2, like a bad configuration: scripts can tell
    /// them from "absent" (1) and "in flight" (3).
    func validate() throws {
        guard route?.isEmpty == false, key?.isEmpty == false else { throw Self.usage("--route and --key are required") }
        for pair in scope where !pair.contains("=") || pair.hasPrefix("=") {
            throw Self.usage("--scope \(pair): expected Header=Value")
        }
    }

    /// The `--scope` pairs, split at the first `=`.
    var scopePairs: [(name: String, value: String)] {
        scope.map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }

    static func usage(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(2)
    }
}
