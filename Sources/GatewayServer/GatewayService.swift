import GatewayCore
import Logging
import NIOCore
import ServiceLifecycle

/// The proxy listener as a swift-service-lifecycle service: it binds, serves
/// until a graceful shutdown is requested, then stops accepting.
public struct GatewayService: Service {
    private let host: String
    private let port: Int
    private let group: any EventLoopGroup
    private let runtime: GatewayRuntime
    private let shutdownTimeout: Duration

    public init(host: String, port: Int, group: any EventLoopGroup, runtime: GatewayRuntime, shutdownTimeout: Duration) {
        self.host = host
        self.port = port
        self.group = group
        self.runtime = runtime
        self.shutdownTimeout = shutdownTimeout
    }

    /// Claims whose upstream call outlived the drain are settled here, before
    /// `run` returns and the store client closes: a claim left behind would
    /// answer every retry with 409 until `lock_ttl` ran out. Each is logged
    /// with its key hash: the upstream may still execute it. Pipelines that
    /// a reload replaced are included: their requests may still run.
    private func settleAbandonedClaims() async {
        for pipeline in runtime.snapshots.allPipelines {
            await settleAbandonedClaims(of: pipeline)
        }
    }

    private func settleAbandonedClaims(of pipeline: RequestPipeline) async {
        for abandoned in await pipeline.abandonHeldClaims() {
            runtime.metrics.ambiguousOutcome(route: abandoned.key.route, cause: .shutdown)
            runtime.logger.warning("claim abandoned at shutdown", metadata: [
                "route": "\(abandoned.key.route)", "key.hash": "\(abandoned.key.digest)",
                "claim": "\(abandoned.held ? "held" : "released")", "settled": "\(abandoned.settled)",
            ])
        }
    }

    /// Async operations whose client already has its 202 hold no
    /// connection, so the drain does not wait for them: they get the rest of
    /// `shutdown_timeout` here, and any still running are then abandoned
    /// like other claims (a poll then says `operation-lost`).
    private func awaitOperations(until deadline: ContinuousClock.Instant) async {
        func running() -> Int { runtime.snapshots.allPipelines.reduce(0) { $0 + $1.runningOperations } }
        guard running() > 0 else { return }
        runtime.logger.info("waiting for async operations", metadata: ["running": "\(running())"])
        while running() > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if running() > 0 {
            runtime.logger.warning("shutdown timeout reached with async operations running", metadata: ["running": "\(running())"])
        }
    }

    public func run() async throws {
        let server: GatewayServer
        do {
            server = try await GatewayServer.bind(host: host, port: port, group: group, runtime: runtime)
        } catch {
            throw ListenFailure(field: "listen", host: host, port: port, error: error)
        }
        runtime.logger.info("gateway listening", metadata: ["host": "\(host)", "port": "\(server.port)"])
        // Cancellation too, so a listener never outlives a failed group.
        await withTaskCancellationOrGracefulShutdownHandler {
            await server.waitUntilClosed()
        } onCancelOrGracefulShutdown: { [drainer = runtime.drainer] in
            drainer.markDraining()
            Task { await server.stopAccepting() }
        }
        // The listener is closed: new connections are refused from here on.
        // Requests in flight finish and settle their claims; idle
        // keep-alive connections close at once.
        runtime.logger.info("draining connections", metadata: [
            "open": "\(runtime.drainer.openConnections)", "timeout": "\(DurationText.format(shutdownTimeout))",
        ])
        let deadline = ContinuousClock.now + shutdownTimeout
        let left = await runtime.drainer.drain(timeout: shutdownTimeout)
        if left > 0 {
            runtime.logger.warning("shutdown timeout reached with connections open", metadata: ["open": "\(left)"])
        }
        await awaitOperations(until: deadline)
        await settleAbandonedClaims()
        runtime.logger.info("gateway stopped")
    }
}
