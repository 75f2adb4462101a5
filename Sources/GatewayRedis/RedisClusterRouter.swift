import GatewayCore
import Logging
import NIOCore
import Synchronization

/// The Redis Cluster client hiredis 0.14 lacks: it learns which master
/// serves each slot (`CLUSTER SLOTS`), sends every request to the owner of
/// its first key's slot over that node's per-loop links (`RedisNode`), and follows
/// `MOVED` (the map changed: learn it again) and `ASK` (one command, while a
/// slot migrates). After a failover, the first failed request makes it ask
/// the surviving nodes for the new map.
///
/// A request whose transport failed is not re-sent: it may have run (a
/// claim that ran twice would answer 409 to its own sender), so the caller
/// gets `StoreUnavailable` and the client retries with `Retry-After`.
final class RedisClusterRouter: Sendable {
    /// A redirect loop means the cluster is reconfiguring faster than we can
    /// follow; give up and let the client retry.
    static let maximumRedirects = 5
    /// At most one map refresh per interval, so a burst of failures during
    /// a failover does not become a burst of CLUSTER SLOTS calls.
    static let refreshInterval: Duration = .milliseconds(200)

    private struct State {
        var map: RedisSlotMap?
        var nodes: [RedisEndpoint: RedisNode] = [:]
        var lastRefresh: ContinuousClock.Instant?
        var isShutDown = false
    }

    private let seeds: [RedisEndpoint]
    private let timeout: Duration
    private let scripts: [RedisScript]
    private let eventLoops: [any EventLoop]
    private let logger: Logger
    private let state = Mutex(State())

    /// - Parameter seeds: nodes to learn the map from; any one reachable
    ///   node is enough. Their user and password are used for every node.
    init(seeds: [RedisEndpoint], timeout: Duration, eventLoops: [any EventLoop], scripts: [RedisScript], logger: Logger) {
        precondition(!seeds.isEmpty, "a cluster needs at least one seed node")
        self.seeds = seeds
        self.timeout = timeout
        self.scripts = scripts
        self.eventLoops = eventLoops
        self.logger = logger
    }

    func send(_ request: RedisRequest) async -> Result<RedisReply, StoreUnavailable> {
        let deadline = ContinuousClock.now + timeout
        let slot = request.routingKey.map(RedisKeySlot.slot(of:))
        var askTarget: RedisEndpoint?
        for _ in 0..<Self.maximumRedirects {
            let node: RedisEndpoint
            if let askTarget {
                node = askTarget
            } else {
                switch await owner(of: slot) {
                case .success(let owner): node = owner
                case .failure(let error): return .failure(error)
                }
            }
            let outgoing = askTarget == nil ? request : .asking(request)
            askTarget = nil
            let result = await client(for: node).send(outgoing)
            guard case .success(.error(let message)) = result else {
                if case .failure = result { await refresh(force: false) }
                return result
            }
            if let redirect = RedisRedirect(errorMessage: message, answeredBy: node) {
                let target = endpoint(host: redirect.host, port: redirect.port)
                switch redirect.kind {
                case .moved:
                    state.withLock { $0.map?.assign(redirect.slot...redirect.slot, to: target) }
                    logger.debug("Redis Cluster slot moved", metadata: ["slot": "\(redirect.slot)", "node": "\(target.address)"])
                    await refresh(force: false)
                case .ask:
                    askTarget = target
                }
                continue
            }
            // A slot mid-migration (TRYAGAIN) or a cluster electing a new
            // master (CLUSTERDOWN) answers again shortly.
            if message.hasPrefix("TRYAGAIN") || message.hasPrefix("CLUSTERDOWN") {
                guard ContinuousClock.now + .milliseconds(50) < deadline else { return result }
                try? await Task.sleep(for: .milliseconds(25))
                continue
            }
            return result
        }
        return .failure(StoreUnavailable("Redis Cluster redirected slot \(slot.map(String.init) ?? "-") more than \(Self.maximumRedirects) times"))
    }

    func sendToEveryMaster(_ arguments: [[UInt8]]) async -> [(node: String, reply: Result<RedisReply, StoreUnavailable>)] {
        if state.withLock({ $0.map == nil }) { await refresh(force: true) }
        let masters = state.withLock { $0.map?.masters ?? [] }
        guard !masters.isEmpty else {
            return [("cluster", .failure(StoreUnavailable("no Redis Cluster seed node answered CLUSTER SLOTS")))]
        }
        var replies: [(node: String, reply: Result<RedisReply, StoreUnavailable>)] = []
        for master in masters {
            replies.append((master.address, await client(for: master).send(.command(arguments))))
        }
        return replies
    }

    func shutdown() {
        let nodes = state.withLock { state in
            state.isShutDown = true
            return Array(state.nodes.values)
        }
        for node in nodes { node.shutdown() }
    }

    /// The master for `slot` (any master for a keyless command), learning
    /// the map first when there is none or it has a hole there.
    private func owner(of slot: Int?) async -> Result<RedisEndpoint, StoreUnavailable> {
        func lookup() -> RedisEndpoint? {
            state.withLock { state in
                guard let map = state.map else { return nil }
                if let slot { return map.master(for: slot) }
                return map.masters.first
            }
        }
        if let known = lookup() { return .success(known) }
        await refresh(force: true)
        if let known = lookup() { return .success(known) }
        return .failure(StoreUnavailable(state.withLock { $0.map == nil }
            ? "no Redis Cluster node answered CLUSTER SLOTS (seeds: \(seeds.map(\.address).joined(separator: ", ")))"
            : "no Redis Cluster master serves slot \(slot.map(String.init) ?? "-")"))
    }

    /// Asks the known masters, then the seeds, for the slot map; the first
    /// good answer replaces the map. Unforced refreshes are rate-limited.
    private func refresh(force: Bool) async {
        let candidates: [RedisEndpoint]? = state.withLock { state in
            let now = ContinuousClock.now
            if !force, let last = state.lastRefresh, now - last < Self.refreshInterval { return nil }
            state.lastRefresh = now
            var seen = Set<RedisEndpoint>()
            return ((state.map?.masters ?? []) + seeds).filter { seen.insert($0).inserted }
        }
        guard let candidates else { return }
        for node in candidates {
            guard case .success(let reply) = await client(for: node).send(.command([Array("CLUSTER".utf8), Array("SLOTS".utf8)])),
                  let map = RedisSlotMap(clusterSlots: reply, template: node)
            else { continue }
            state.withLock { $0.map = map }
            logger.debug("Redis Cluster slot map learned", metadata: [
                "from": "\(node.address)", "masters": "\(map.masters.map(\.address).joined(separator: ","))",
            ])
            return
        }
        logger.warning("Redis Cluster slot map could not be refreshed", metadata: ["nodes_asked": "\(candidates.count)"])
    }

    /// A node's endpoint with the seeds' credentials.
    private func endpoint(host: String, port: Int) -> RedisEndpoint {
        var endpoint = seeds[0]
        endpoint.host = host
        endpoint.port = port
        return endpoint
    }

    /// The node's connections, made on first use. Those of nodes that left
    /// the cluster stay until shutdown: a few idle sockets, and a node that
    /// comes back (restarted as a replica, then promoted) finds them ready.
    private func client(for endpoint: RedisEndpoint) -> RedisNode {
        state.withLock { state in
            if let existing = state.nodes[endpoint] { return existing }
            var nodeLogger = logger
            nodeLogger[metadataKey: "redis.endpoint"] = "\(endpoint.address)"
            let node = RedisNode(endpoint: endpoint, timeout: timeout, scripts: scripts, logger: nodeLogger,
                                 eventLoops: eventLoops)
            if state.isShutDown { node.shutdown() }
            state.nodes[endpoint] = node
            return node
        }
    }
}
