import ArgumentParser
import GatewayConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shared by `serve` and `check`: a bad file prints the same lines from both,
/// one per problem, and exits with status 2 before anything starts.
enum ConfigurationReport {
    static func loadOrExit(path: String) throws -> GatewayConfiguration {
        do {
            return try ConfigurationLoader.load(path: path)
        } catch {
            for problem in error.problems {
                fputs("\(problem)\n", stderr)
            }
            throw ExitCode(2)
        }
    }
}
