import GatewayCore
import Logging
public import NIOCore
import NIOPosix

/// The production `IdempotencyStore`: records in Redis, shared by every
/// gateway instance, each operation one round trip: a Lua script, or plain
/// GET and PTTL to replay a key this store saw completed (`RedisCompletedKeys`).
///
/// Against one server the store holds one connection per event loop of
/// `group`, driven by that loop (`RedisLink`): a request's claim is written,
/// pipelined with the others of the same loop tick, and answered without
/// leaving the loop that serves the request. Against a Redis Cluster it
/// holds such connections per master and routes each script by the hash
/// slot of its key. A lost connection is re-established on demand, with
/// backoff, so the store recovers by itself when Redis comes back;
/// meanwhile every call throws `StoreUnavailable`.
public final class RedisStore: IdempotencyStore {
    /// Where a request goes: straight to the one node's link on the
    /// caller's loop, or through the router to its slot's master. An enum,
    /// not a protocol: the single-server path pays no dispatch or wrapper.
    enum Nodes: Sendable {
        case single(RedisNode)
        case cluster(RedisClusterRouter)
    }

    let nodes: Nodes
    let completedKeys: RedisCompletedKeys

    /// One server. Connections open on first use, so a store made while
    /// Redis is down still works once it is up.
    /// - Parameters:
    ///   - timeout: bounds the connect, and the whole of each call: the wait
    ///     for a connection and the round trip.
    ///   - group: the event loops the connections live on; pass the loops
    ///     that serve the requests, so claims never change threads.
    ///   - connections: at most this many of the group's loops get a
    ///     connection (at least 1); all of them by default.
    ///   - replayCache: how long a completed record answers retries from
    ///     memory (`RedisCompletedKeys`); zero: never.
    public init(endpoint: RedisEndpoint, timeout: Duration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                connections: Int? = nil, replayCache: Duration = .zero, logger: Logger) {
        completedKeys = RedisCompletedKeys(replayFor: replayCache)
        var logger = logger
        logger[metadataKey: "redis.endpoint"] = "\(endpoint.address)"
        nodes = .single(RedisNode(endpoint: endpoint, timeout: timeout, scripts: RedisScript.all, logger: logger,
                                  eventLoops: Self.loops(of: group, limit: connections)))
    }

    /// A Redis Cluster, learned from any reachable seed node. Every key one
    /// script touches shares a hash tag, so no script ever gets CROSSSLOT.
    public init(clusterSeeds seeds: [RedisEndpoint], timeout: Duration,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, replayCache: Duration = .zero, logger: Logger) {
        completedKeys = RedisCompletedKeys(replayFor: replayCache)
        nodes = .cluster(RedisClusterRouter(seeds: seeds, timeout: timeout, eventLoops: Self.loops(of: group, limit: nil),
                                            scripts: RedisScript.all, logger: logger))
    }

    static func loops(of group: any EventLoopGroup, limit: Int?) -> [any EventLoop] {
        let all = Array(group.makeIterator())
        return Array(all.prefix(max(1, limit ?? all.count)))
    }

    deinit {
        shutdown()
    }

    /// Closes the connections; pending and later calls throw
    /// `StoreUnavailable`. Safe to call more than once.
    public func shutdown() {
        switch nodes {
        case .single(let node): node.shutdown()
        case .cluster(let router): router.shutdown()
        }
    }

    /// A warning when a master's `maxmemory-policy` lets Redis evict our
    /// keys (every `allkeys-*` and `volatile-*` policy can: all our keys have
    /// a TTL), nil when every master answered `noeviction` or could not say
    /// (CONFIG renamed or disabled, as on some managed services, or Redis
    /// down). An evicted snapshot means a retry executes again.
    public func evictionRisk() async -> String? {
        let command: [[UInt8]] = [Array("CONFIG".utf8), Array("GET".utf8), Array("maxmemory-policy".utf8)]
        let replies: [(node: String, reply: Result<RedisReply, StoreUnavailable>)] = switch nodes {
        case .single(let node): [(node.endpoint.address, await node.send(.command(command)))]
        case .cluster(let router): await router.sendToEveryMaster(command)
        }
        var risky: [String] = []
        for (node, reply) in replies {
            guard case .success(.array(let items)) = reply, items.count == 2, case .bulk(let value) = items[1] else { continue }
            let policy = String(decoding: value, as: UTF8.self)
            if policy.hasPrefix("allkeys-") || policy.hasPrefix("volatile-") {
                risky.append("\(node) has maxmemory-policy \(policy)")
            }
        }
        guard !risky.isEmpty else { return nil }
        return risky.joined(separator: "; ")
            + ": Redis may evict idempotency records under memory pressure, and a retry of an evicted key executes again; "
            + "set maxmemory-policy noeviction"
    }

    public func claim(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) async throws(StoreUnavailable) -> ClaimResult {
        if let answer = try await answerFromCompleted(key, claim) { return answer }
        return try await claimByScript(key, claim, lease: lease, ttl: ttl)
    }

    /// A claim of a key this gateway knows holds a completed record: from
    /// the replay cache, or read with GET and PTTL. Nil when the key must be
    /// claimed by the script after all.
    func answerFromCompleted(_ key: StoreKey, _ claim: PendingClaim) async throws(StoreUnavailable) -> ClaimResult? {
        switch completedKeys.lookup(key) {
        case .record(let fingerprint, let snapshot)?:
            return fingerprint == claim.fingerprint ? .completed(snapshot) : .mismatch
        case .completed?:
            if let replay = try await replayByGet(key, claim) { return replay }
            completedKeys.forget(key)
            return nil
        case nil:
            return nil
        }
    }

    /// A key known to hold a completed record is read with plain GET and
    /// PTTL in one round trip: a completed record with a TTL answers alone
    /// (replay, or 422 for another fingerprint), since it never changes
    /// until it expires. Nil when the key holds anything else or nothing
    /// (purged, expired, claimed again, unreadable) or has lost its TTL: the
    /// claim script then decides, and repairs the TTL, as for any key.
    func replayByGet(_ key: StoreKey, _ claim: PendingClaim) async throws(StoreUnavailable) -> ClaimResult? {
        let reply = try await send(.reads([.keyCommand("GET", key.value), .keyCommand("PTTL", key.value)])).get()
        guard case .array(let replies) = reply, replies.count == 2,
              case .bulk(let bytes) = replies[0], case .integer(let left) = replies[1], left > 0,
              case .completed(let fingerprint, let snapshot)? = IdempotencyRecord.decode(bytes)
        else { return nil }
        completedKeys.remember(key, until: .now + .milliseconds(left), record: (fingerprint, snapshot))
        return fingerprint == claim.fingerprint ? .completed(snapshot) : .mismatch
    }

    private func claimByScript(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) async throws(StoreUnavailable) -> ClaimResult {
        let pending = IdempotencyRecord.pending(claim).encoded()
        let reply = try await run(.claim, key) { arguments in
            arguments.append(pending)
            arguments.append(decimal: Self.milliseconds(lease))
            arguments.append(decimal: Self.milliseconds(lease + ttl))
            arguments.append(decimal: Self.milliseconds(ttl))
        }
        return try claimResult(from: reply, key: key, claim: claim, script: .claim)
    }

    /// What a claim script's reply means: the new fencing number, or the
    /// record holding the key with its TTL left.
    func claimResult(from reply: RedisReply, key: StoreKey, claim: PendingClaim,
                     script: RedisScript) throws(StoreUnavailable) -> ClaimResult {
        switch reply {
        case .integer(let fence) where fence > 0:
            return .acquired(claim.fenced(UInt64(fence)))
        case .array(let items):
            guard items.count == 2, case .bulk(let bytes) = items[0], case .integer(let remaining) = items[1] else {
                throw Self.unexpected(reply, from: script)
            }
            guard let record = IdempotencyRecord.decode(bytes) else {
                return .corrupt(bytes: bytes.count)
            }
            let left = Duration.milliseconds(max(0, remaining))
            if case .completed(let fingerprint, let snapshot) = record {
                completedKeys.remember(key, until: .now + left, record: (fingerprint, snapshot))
            }
            return record.claimResult(for: claim.fingerprint, remainingLease: left)
        default:
            throw Self.unexpected(reply, from: script)
        }
    }

    public func renew(_ key: StoreKey, _ claim: PendingClaim, lease: Duration, ttl: Duration) async throws(StoreUnavailable) -> Bool {
        let pending = IdempotencyRecord.pending(claim).encoded()
        return try await flag(run(.renew, key) { arguments in
            arguments.append(pending)
            arguments.append(decimal: Self.milliseconds(lease))
            arguments.append(decimal: Self.milliseconds(lease + ttl))
        }, from: .renew)
    }

    public func complete(_ key: StoreKey, _ claim: PendingClaim, snapshot: Snapshot, ttl: Duration) async throws(StoreUnavailable) -> Bool {
        let pending = IdempotencyRecord.pending(claim).encoded()
        let completed = IdempotencyRecord.completed(fingerprint: claim.fingerprint, snapshot: snapshot).encoded()
        let stored = try await flag(run(.complete, key, capacity: 192 + completed.count) { arguments in
            arguments.append(pending)
            arguments.append(completed)
            arguments.append(decimal: Self.milliseconds(ttl))
            arguments.append(decimal: Self.milliseconds(ttl + ttl))
        }, from: .complete)
        if stored { completedKeys.remember(key, until: .now + ttl, record: (claim.fingerprint, snapshot)) }
        return stored
    }

    public func release(_ key: StoreKey, _ claim: PendingClaim) async throws(StoreUnavailable) -> Bool {
        let pending = IdempotencyRecord.pending(claim).encoded()
        return try await flag(run(.release, key) { $0.append(pending) }, from: .release)
    }

    public func ping() async throws(StoreUnavailable) {
        let reply = try await send(.command([Array("PING".utf8)])).get()
        guard reply == .status("PONG") else {
            throw StoreUnavailable("PING answered \(reply)")
        }
    }

    // MARK: Async operations

    public func publishOperation(_ operation: OperationRecord, at key: String, ttl: Duration) async throws(StoreUnavailable) -> Bool {
        let reply = try await write(operation, at: key, ttl: ttl, onlyIfAbsent: true)
        switch reply {
        case .status: return true
        case .null: return false
        default: throw Self.unexpected(reply, from: "publish operation")
        }
    }

    public func finishOperation(_ operation: OperationRecord, at key: String, ttl: Duration) async throws(StoreUnavailable) {
        let reply = try await write(operation, at: key, ttl: ttl, onlyIfAbsent: false)
        guard case .status = reply else { throw Self.unexpected(reply, from: "finish operation") }
    }

    /// Two round trips, the operation and then its record: they live in
    /// different cluster slots (a poll knows only the operation's id), and
    /// polls are rare enough not to need one script.
    public func readOperation(at key: String) async throws(StoreUnavailable) -> OperationLookup? {
        guard let bytes = try await get(key), let operation = OperationRecord.decode(bytes) else { return nil }
        let record = try await get(operation.storeKey).flatMap(IdempotencyRecord.decode)
        return OperationLookup(operation: operation, record: record)
    }

    /// `SET key value PX ttl [NX]`, routed by its key.
    private func write(_ operation: OperationRecord, at key: String, ttl: Duration,
                       onlyIfAbsent: Bool) async throws(StoreUnavailable) -> RedisReply {
        let bytes = operation.encoded()
        var set = RedisArguments(capacity: 64 + key.utf8.count + bytes.count)
        set.append("SET")
        set.append(key)
        set.append(bytes)
        set.append("PX")
        set.append(decimal: Self.milliseconds(ttl))
        if onlyIfAbsent { set.append("NX") }
        return try await only(send(.reads([set])).get())
    }

    private func get(_ key: String) async throws(StoreUnavailable) -> [UInt8]? {
        var get = RedisArguments(capacity: 16 + key.utf8.count)
        get.append("GET")
        get.append(key)
        switch try await only(send(.reads([get])).get()) {
        case .bulk(let bytes): return bytes
        case .null: return nil
        case let reply: throw Self.unexpected(reply, from: "GET")
        }
    }

    /// The reply of a one-command `.reads` request (one reply is not
    /// gathered into an array); an error reply throws.
    private func only(_ reply: RedisReply) throws(StoreUnavailable) -> RedisReply {
        if case .error(let message) = reply { throw StoreUnavailable("operation command failed: \(message)") }
        return reply
    }

    func run(_ script: RedisScript, _ key: StoreKey, capacity: Int = 192,
                     _ arguments: (inout RedisArguments) -> Void) async throws(StoreUnavailable) -> RedisReply {
        // Every script gets the fencing counter as KEYS[2], even those that
        // do not touch it: a cluster router then sees one slot for all of them.
        let request = RedisRequest.evalsha(script, keyCount: 2, capacity: capacity) { command in
            command.append(key.value)
            command.append(key.value, suffix: StoreKey.fenceSuffix)
            arguments(&command)
        }
        let reply = try await send(request).get()
        if case .error(let message) = reply {
            throw StoreUnavailable("\(script.name) script failed for key \(key.digest): \(message)")
        }
        return reply
    }

    /// Runs `request` where its first key lives. Error replies come back as
    /// `.error`; transport failures, timeouts and shutdown as failures.
    func send(_ request: RedisRequest) async -> Result<RedisReply, StoreUnavailable> {
        switch nodes {
        case .single(let node): await node.send(request)
        case .cluster(let router): await router.send(request)
        }
    }

    private func flag(_ reply: RedisReply, from script: RedisScript) throws(StoreUnavailable) -> Bool {
        switch reply {
        case .integer(1): return true
        case .integer(0): return false
        default: throw Self.unexpected(reply, from: script)
        }
    }

    /// PX rejects 0, so a sub-millisecond duration still expires, one ms later.
    static func milliseconds(_ duration: Duration) -> Int {
        Int(clamping: max(1, duration.milliseconds))
    }

    static func unexpected(_ reply: RedisReply, from script: RedisScript) -> StoreUnavailable {
        unexpected(reply, from: "\(script.name) script")
    }

    private static func unexpected(_ reply: RedisReply, from source: String) -> StoreUnavailable {
        let shape: String = switch reply {
        case .status: "a status"
        case .error: "an error"
        case .integer(let value): "integer \(value)"
        case .bulk(let bytes): "a \(bytes.count)-byte string"
        case .null: "nil"
        case .array(let items): "an array of \(items.count)"
        }
        return StoreUnavailable("\(source) answered \(shape)")
    }
}
