import ArgumentParser
import Foundation
import GatewayCore

/// `key purge`: what `DELETE /keys/{route}/{key}` does, so the next request
/// with the key executes again.
struct KeyPurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete one key's record so the next request with it executes again.")

    @OptionGroup var options: KeyOptions

    @Flag(help: "Also delete an in-flight claim. Its request may still be running upstream, so a retry may execute it twice.")
    var force = false

    func run() async throws {
        let session = try KeySession(options)
        let result: PurgeResult
        do {
            result = try await session.store.purge(session.lookup.storeKey, force: force)
        } catch {
            try await session.finish(operation: "purge", result: "store_unavailable", failure: error)
            return
        }
        let route = session.lookup.route.name
        switch result {
        case .purged:
            try await session.finish(operation: "purge", result: "purged")
            print("purged key \(session.lookup.storeKey.digest) of route \(route)")
        case .absent:
            try await session.finish(operation: "purge", result: "absent")
            FileHandle.standardError.write(Data("no record for this key on route \(route)\n".utf8))
            throw ExitCode(1)
        case .inFlight:
            try await session.finish(operation: "purge", result: "in_flight")
            FileHandle.standardError.write(Data("the key is in flight on route \(route); nothing was deleted (use --force only if its request is known to be dead)\n".utf8))
            throw ExitCode(3)
        }
    }
}
