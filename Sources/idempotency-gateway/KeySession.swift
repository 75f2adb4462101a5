import ArgumentParser
import Foundation
import GatewayConfig
import GatewayCore
import GatewayRedis
import Logging
import NIOPosix

/// One `key` command's connection to the store: the configuration loaded,
/// the key resolved against its route as a request's would be, a Redis
/// client on one event loop, closed when the command is done.
struct KeySession {
    let lookup: KeyLookup
    let store: RedisStore
    let logger: Logger
    private let group: MultiThreadedEventLoopGroup

    /// Exits 2 for a bad file, a memory store, an unknown route, a bad key or scope.
    init(_ options: KeyOptions) throws {
        let configuration = try ConfigurationReport.loadOrExit(path: options.config)
        guard case .redis(let settings) = configuration.store.backend else {
            throw KeyOptions.usage("\(options.config): store.backend is memory: its keys live inside the serving gateway process, "
                                   + "so this command cannot see them; use that gateway's admin API (GET or DELETE /keys/{route}/{key})")
        }
        switch KeyLookup.resolve(route: options.route ?? "", key: options.key ?? "", scope: options.scopePairs,
                                 routes: configuration.routes, keyPrefix: configuration.store.keyPrefix) {
        case .success(let lookup): self.lookup = lookup
        case .failure(let failure): throw KeyOptions.usage(failure.message)
        }
        var logger = Logger(label: "idempotency-gateway") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .notice
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        store = RedisStoreFactory.make(settings, group: group, logger: logger)
    }

    /// Closes the client; exits 4 when `failure` says the store did not answer.
    func finish(operation: String, result: String, failure: StoreUnavailable? = nil) async throws {
        var metadata: Logger.Metadata = [
            "audit": "admin_key", "operation": "\(operation)", "result": "\(result)", "route": "\(lookup.route.name)",
            "key.hash": "\(lookup.storeKey.digest)", "client.address": "cli",
        ]
        if let failure { metadata["error"] = "\(failure.reason)" }
        logger.notice("admin key operation", metadata: metadata)
        store.shutdown()
        try? await group.shutdownGracefully()
        if failure != nil { throw ExitCode(4) }
    }
}
