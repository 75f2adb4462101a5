import ArgumentParser
import Foundation
import GatewayConfig

/// Shared by `serve` and `check`: a bad file prints the same lines from both,
/// one per problem, and exits with status 2 before anything starts.
enum ConfigurationReport {
    static func loadOrExit(path: String) throws -> GatewayConfiguration {
        do {
            return try ConfigurationLoader.load(path: path)
        } catch {
            let text = error.problems.map { "\($0)\n" }.joined()
            FileHandle.standardError.write(Data(text.utf8))
            throw ExitCode(2)
        }
    }
}
