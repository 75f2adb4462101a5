import ArgumentParser
import Foundation
import GatewayCore

/// `key show`: prints what `GET /keys/{route}/{key}` answers, as one JSON line.
struct KeyShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print one key's record as JSON (state, status, stored_bytes, ttl_ms, fence, created_at).")

    @OptionGroup var options: KeyOptions

    func run() async throws {
        let session = try KeySession(options)
        let inspection: KeyInspection?
        do {
            inspection = try await session.store.inspect(session.lookup.storeKey)
        } catch {
            try await session.finish(operation: "show", result: "store_unavailable", failure: error)
            return
        }
        guard let inspection else {
            try await session.finish(operation: "show", result: "absent")
            FileHandle.standardError.write(Data("no record for this key on route \(session.lookup.route.name)\n".utf8))
            throw ExitCode(1)
        }
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        print(KeyReport.json(route: session.lookup.route.name, storeKey: session.lookup.storeKey, inspection: inspection,
                             routeTTL: session.lookup.policy.ttl, now: now))
        try await session.finish(operation: "show", result: "found")
    }
}
