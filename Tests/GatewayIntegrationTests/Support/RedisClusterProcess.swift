import Foundation
import GatewayRedis

#if canImport(Glibc)
import Glibc
#endif

/// A private Redis Cluster on loopback: 3 masters with 1 replica each, made
/// by `redis-cli --cluster create`, with a 1 s node timeout so a failover
/// takes seconds, not the default 15 s. Tests kill masters and move slots
/// through it, then ask the nodes what happened.
final class RedisClusterProcess {
    let servers: [RedisServerProcess]
    var ports: [Int] { servers.map(\.port) }

    static let redisCLI = ProcessInfo.processInfo.environment["REDIS_CLI"] ?? "/usr/bin/redis-cli"

    static func start() async throws -> RedisClusterProcess {
        var servers: [RedisServerProcess] = []
        for _ in 0..<6 {
            servers.append(try await RedisServerProcess.start(port: FreePort.forClusterNode(), extraArguments: [
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
            ]))
        }
        let cluster = RedisClusterProcess(servers: servers)
        try cluster.create()
        try await cluster.waitUntilHealthy()
        return cluster
    }

    private init(servers: [RedisServerProcess]) {
        self.servers = servers
    }

    func stop() {
        for server in servers { server.stop() }
    }

    /// `store:` YAML for the gateway, with every node as a seed.
    func storeYAML(timeout: String = "300ms") -> String {
        """
        store:
          backend: redis
          redis:
            cluster: [\(ports.map { "\"127.0.0.1:\($0)\"" }.joined(separator: ", "))]
            timeout: \(timeout)
          key_prefix: "idem"
          on_unavailable: reject
        """
    }

    private func create() throws {
        let output = try Self.run(Self.redisCLI, ["--cluster", "create"] + ports.map { "127.0.0.1:\($0)" }
                                  + ["--cluster-replicas", "1", "--cluster-yes"])
        guard output.contains("All 16384 slots covered") else {
            throw ClusterSetupFailed(reason: "redis-cli --cluster create said:\n\(output)")
        }
    }

    /// Every node reports `cluster_state:ok` and agrees on 3 masters.
    func waitUntilHealthy(limit: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let live = servers.filter(\.isRunning)
            let healthy = try await live.asyncAllSatisfy { server in
                try await self.command(port: server.port, ["CLUSTER", "INFO"]).contains("cluster_state:ok")
            }
            if healthy, try await nodes(askingPort: live[0].port).filter({ $0.isMaster && $0.isAlive }).count == 3 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ClusterSetupFailed(reason: "cluster did not become healthy within \(limit)")
    }

    /// One command on one node, through redis-cli (raw output).
    func command(port: Int, _ arguments: [String]) async throws -> String {
        try Self.run(Self.redisCLI, ["-p", String(port), "--raw"] + arguments)
    }

    /// The cluster as one node sees it (`CLUSTER NODES`).
    func nodes(askingPort port: Int) async throws -> [NodeState] {
        try await command(port: port, ["CLUSTER", "NODES"]).split(separator: "\n").compactMap { line in
            // redis-cli may quote a field when its output is not a terminal.
            let fields: [String] = line.split(separator: " ").map { String($0.filter { $0 != "\"" }) }
            guard fields.count >= 8, let colon = fields[1].firstIndex(of: ":") else { return nil }
            let portText = fields[1][fields[1].index(after: colon)...].prefix { $0.isNumber }
            guard let port = Int(portText) else { return nil }
            let flags = fields[2].split(separator: ",")
            return NodeState(id: fields[0], port: port, isMaster: flags.contains("master"),
                             masterID: fields[3] == "-" ? nil : fields[3],
                             isAlive: !flags.contains("fail") && !flags.contains("fail?"),
                             slots: Array(fields[8...]).filter { !$0.hasPrefix("[") })
        }
    }

    struct NodeState {
        var id: String
        var port: Int
        var isMaster: Bool
        /// For a replica, the id of the master it copies.
        var masterID: String?
        var isAlive: Bool
        /// `0-5460` style ranges, as CLUSTER NODES prints them.
        var slots: [String]

        func serves(_ slot: Int) -> Bool {
            slots.contains { range in
                let bounds = range.split(separator: "-").compactMap { Int($0) }
                guard let low = bounds.first else { return false }
                return (low...(bounds.last ?? low)).contains(slot)
            }
        }
    }

    /// The live master that serves `slot`.
    func master(of slot: Int) async throws -> NodeState {
        let live = servers.first(where: \.isRunning)!.port
        guard let owner = try await nodes(askingPort: live).first(where: { $0.isMaster && $0.isAlive && $0.serves(slot) }) else {
            throw ClusterSetupFailed(reason: "no live master serves slot \(slot)")
        }
        return owner
    }

    func server(port: Int) -> RedisServerProcess { servers.first { $0.port == port }! }

    /// The replica of `master`.
    func replica(of master: NodeState) async throws -> NodeState {
        guard let replica = try await nodes(askingPort: master.port).first(where: { $0.masterID == master.id }) else {
            throw ClusterSetupFailed(reason: "master \(master.port) has no replica")
        }
        return replica
    }

    /// Waits until `replica` has applied everything its master wrote, so a
    /// failover cannot lose what the test stored.
    func waitForReplication(master: NodeState, replica: NodeState, limit: Duration = .seconds(5)) async throws {
        func offset(_ port: Int, _ field: String) async throws -> Int? {
            try await command(port: port, ["INFO", "replication"]).split(whereSeparator: \.isNewline)
                .first { $0.hasPrefix(field + ":") }
                .flatMap { Int($0.split(separator: ":")[1]) }
        }
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let written = try await offset(master.port, "master_repl_offset"),
               let applied = try await offset(replica.port, "slave_repl_offset"), applied >= written { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ClusterSetupFailed(reason: "replica \(replica.port) did not catch up with \(master.port)")
    }

    /// Moves `slot` with its keys to `target`, the way `redis-cli --cluster
    /// reshard` does: IMPORTING and MIGRATING, MIGRATE the keys, then
    /// SETSLOT NODE on every master so they all agree at once.
    func migrate(slot: Int, to target: NodeState) async throws {
        let source = try await master(of: slot)
        _ = try await command(port: target.port, ["CLUSTER", "SETSLOT", String(slot), "IMPORTING", source.id])
        _ = try await command(port: source.port, ["CLUSTER", "SETSLOT", String(slot), "MIGRATING", target.id])
        let keys = try await command(port: source.port, ["CLUSTER", "GETKEYSINSLOT", String(slot), "1000"])
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        if !keys.isEmpty {
            let reply = try await command(port: source.port, ["MIGRATE", "127.0.0.1", String(target.port), "", "0", "5000", "KEYS"] + keys)
            guard reply.contains("OK") else { throw ClusterSetupFailed(reason: "MIGRATE answered \(reply)") }
        }
        let masters = try await nodes(askingPort: source.port).filter { $0.isMaster && $0.isAlive }
        for master in masters {
            _ = try await command(port: master.port, ["CLUSTER", "SETSLOT", String(slot), "NODE", target.id])
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

struct ClusterSetupFailed: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

extension Sequence {
    func asyncAllSatisfy(_ predicate: (Element) async throws -> Bool) async rethrows -> Bool {
        for element in self where try await !predicate(element) { return false }
        return true
    }
}
