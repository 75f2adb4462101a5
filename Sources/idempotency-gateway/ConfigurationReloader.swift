import GatewayConfig
import GatewayCore
import GatewayServer
import Logging

/// Re-reads the file given to `serve --config` on SIGHUP or `POST /reload`,
/// and either publishes a new runtime snapshot or leaves the running one
/// alone and says why. An actor, so two reloads at once (a SIGHUP during a
/// `POST /reload`) run one after the other and never interleave their
/// guard bookkeeping.
actor ConfigurationReloader {
    private let path: String
    private let snapshots: RuntimeSnapshots
    private let logger: Logger
    private var running: GatewayConfiguration
    private var assembly: RuntimeAssembly

    init(path: String, running: GatewayConfiguration, assembly: RuntimeAssembly, snapshots: RuntimeSnapshots, logger: Logger) {
        self.path = path
        self.running = running
        self.assembly = assembly
        self.snapshots = snapshots
        self.logger = logger
    }

    /// `trigger` names who asked (`SIGHUP`, `admin`), for the log.
    func reload(trigger: String) -> ReloadReport {
        let current = snapshots.current
        let metrics = current.metrics
        let configuration: GatewayConfiguration
        do {
            configuration = try ConfigurationLoader.load(path: path)
        } catch {
            let problems = error.problems.map(\.description)
            // The same lines `check` prints, one log line each.
            for problem in problems {
                logger.error("configuration problem", metadata: ["problem": "\(problem)"])
            }
            logger.error("configuration reload refused; the running configuration is unchanged", metadata: [
                "trigger": "\(trigger)", "result": "\(ReloadResult.invalid.rawValue)", "problems": "\(problems.count)",
                "generation": "\(current.generation)",
            ])
            metrics.reloaded(.invalid)
            return ReloadReport(result: .invalid, generation: current.generation, problems: problems)
        }
        let fixed = configuration.fieldsNeedingRestart(comparedTo: running)
        guard fixed.isEmpty else {
            logger.warning("configuration reload needs a restart; nothing was applied", metadata: [
                "trigger": "\(trigger)", "result": "\(ReloadResult.restartNeeded.rawValue)",
                "fields": "\(fixed.joined(separator: ","))", "generation": "\(current.generation)",
            ])
            metrics.reloaded(.restartNeeded)
            return ReloadReport(result: .restartNeeded, generation: current.generation, restartNeeded: fixed)
        }
        let routeNames = configuration.routes.map(\.name)
        let nextMetrics = metrics.including(routes: routeNames, upstreams: configuration.upstreams.keys.sorted())
        let next = assembly.snapshot(for: configuration, generation: current.generation + 1, metrics: nextMetrics)
        snapshots.publish(next)
        let before = Set(running.routes.map(\.name))
        running = configuration
        logger.notice("configuration reloaded", metadata: [
            "trigger": "\(trigger)", "result": "\(ReloadResult.applied.rawValue)", "generation": "\(next.generation)",
            "routes": "\(routeNames.count)", "upstreams": "\(configuration.upstreams.count)",
            "routes.added": "\(routeNames.filter { !before.contains($0) }.joined(separator: ","))",
            "routes.removed": "\(before.subtracting(routeNames).sorted().joined(separator: ","))",
            "upstreams.replaced": "\(assembly.replacedUpstreams.sorted().joined(separator: ","))",
        ])
        nextMetrics.reloaded(.applied)
        return ReloadReport(result: .applied, generation: next.generation, routes: routeNames)
    }
}
