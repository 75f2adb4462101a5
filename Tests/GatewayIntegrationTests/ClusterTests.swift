import ExampleUpstream
import Foundation
import GatewayCore
import GatewayRedis
import Testing

/// The idempotency guarantees over a real Redis Cluster (3 masters, 3
/// replicas), through the real gateway: replays, races, mismatches and TTLs
/// with keys spread over every master; a slot moved under a stored key
/// (MOVED), a slot mid-migration (ASK), and a master killed (failover).
@Suite(.serialized)
struct ClusterTests {
    static let routes = """
        routes:
          - name: orders
            match: { path_prefix: /v1/orders }
            upstream: main
            idempotency: { lock_ttl: 3s }
        """

    final class Fixture {
        let cluster: RedisClusterProcess
        let upstream: ExampleUpstreamServer
        let gateway: GatewayProcess
        var ledger: UpstreamLedger { upstream.ledger }

        init() async throws {
            cluster = try await RedisClusterProcess.start()
            upstream = try await ExampleUpstreamServer.start()
            gateway = try await GatewayProcess(yaml: GatewayFixture.yaml(store: cluster.storeYAML(), upstreamPort: upstream.port,
                                                                         routes: ClusterTests.routes))
        }

        func shutdown() async {
            await gateway.kill9()
            await upstream.stop()
            cluster.stop()
        }

        func post(_ key: String, body: String = #"{"amount":1}"#) async throws -> TestResponse {
            try await TestHTTPClient.send(port: gateway.port, path: "/v1/orders",
                                          headers: [("Idempotency-Key", key), ("Content-Type", "application/json")],
                                          body: Array(body.utf8))
        }

        /// Where the gateway keeps `key`: its record key and that key's slot.
        func storeKey(_ key: String) -> (name: String, slot: Int) {
            let name = StoreKey(prefix: "idem", route: "orders", scope: [], key: try! IdempotencyKey.parse(key).get()).value
            return (name, RedisKeySlot.slot(of: name))
        }
    }

    @Test func replaysRacesMismatchesAndMovedAndAskedSlots() async throws {
        let f = try await Fixture()

        let first = try await f.post("c-1")
        #expect(first.status == 201)
        let replay = try await f.post("c-1")
        #expect(replay.status == 201)
        #expect(replay.header("Idempotent-Replayed") == "true")
        #expect(replay.body == first.body)
        #expect(try await f.post("c-1", body: #"{"amount":2}"#).status == 422)

        let port = f.gateway.port
        let storm = try await ConcurrencyTests.storm(ports: [port], path: "/v1/orders", key: "c-race", count: 64, delayMs: 300)
        #expect(f.ledger.executions(key: "c-race") == 1)
        #expect(storm.allSatisfy { $0.status == 201 || $0.status == 409 })

        // Keys spread over every master, each with a TTL, in the slot our
        // CRC16 computes (so no command needs a redirect in steady state).
        for index in 0..<60 { #expect(try await f.post("spread-\(index)").status == 201) }
        let masters = try await f.cluster.nodes(askingPort: f.cluster.ports[0]).filter(\.isMaster)
        #expect(masters.count == 3)
        for master in masters {
            let keys = try await f.cluster.command(port: master.port, ["--scan", "--pattern", "idem:*"])
                .split(separator: "\n").map(String.init)
            #expect(keys.count > 10, "master \(master.port) holds \(keys.count) keys")
            for key in keys.prefix(5) {
                let ttl = Int(try await f.cluster.command(port: master.port, ["PTTL", key]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -3
                #expect(ttl > 0, "\(key) has PTTL \(ttl)")
                let slot = try await f.cluster.command(port: master.port, ["CLUSTER", "KEYSLOT", key]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(slot == String(RedisKeySlot.slot(of: key)))
            }
        }

        // MOVED: the slot under a stored key moves to another master; the
        // retry still replays, from the new owner.
        let (name, slot) = f.storeKey("c-1")
        let owner = try await f.cluster.master(of: slot)
        let target = try #require(masters.first { $0.id != owner.id })
        try await f.cluster.migrate(slot: slot, to: target)
        let afterMove = try await f.post("c-1")
        #expect(afterMove.header("Idempotent-Replayed") == "true")
        #expect(afterMove.body == first.body)
        #expect(try await f.cluster.command(port: target.port, ["EXISTS", name]).hasPrefix("1"))
        #expect(f.ledger.executions(key: "c-1") == 1)

        // ASK: a slot half-way through a migration. A stored key already
        // moved (record and fence together) is served by the importing node
        // after ASK; a new key whose keys are split between the nodes gets
        // 503 + Retry-After (Redis answers TRYAGAIN), and executes once the
        // migration is done.
        let asked = (0..<500).map { "ask-\($0)" }.first { f.storeKey($0).slot != slot }!
        let askedFirst = try await f.post(asked)
        #expect(askedFirst.status == 201)
        let (askName, askSlot) = f.storeKey(asked)
        let askSource = try await f.cluster.master(of: askSlot)
        let askTarget = try #require(masters.first { $0.id != askSource.id })
        _ = try await f.cluster.command(port: askTarget.port, ["CLUSTER", "SETSLOT", String(askSlot), "IMPORTING", askSource.id])
        _ = try await f.cluster.command(port: askSource.port, ["CLUSTER", "SETSLOT", String(askSlot), "MIGRATING", askTarget.id])
        let moved = try await f.cluster.command(port: askSource.port, ["MIGRATE", "127.0.0.1", String(askTarget.port), "", "0", "5000",
                                                                       "KEYS", askName, askName + ":fence"])
        #expect(moved.contains("OK"))
        let askedReplay = try await f.post(asked)
        #expect(askedReplay.header("Idempotent-Replayed") == "true", "gateway log: \(f.gateway.log.suffix(600))")
        #expect(askedReplay.body == askedFirst.body)
        #expect(f.ledger.executions(key: asked) == 1)

        let sibling = try #require((0..<100_000).lazy.map { "sibling-\($0)" }.first { f.storeKey($0).slot == askSlot })
        let midMigration = try await f.post(sibling)
        #expect(midMigration.status == 503)
        #expect(midMigration.header("Retry-After") == "1")
        #expect(f.ledger.executions(key: sibling) == 0)
        try await f.cluster.migrate(slot: askSlot, to: askTarget)
        #expect(try await f.post(asked).header("Idempotent-Replayed") == "true")
        let afterMigration = try await f.post(sibling)
        #expect(afterMigration.status == 201)
        #expect(f.ledger.executions(key: sibling) == 1)
        await f.shutdown()
    }

    @Test func aMasterFailoverKeepsReplayingAndExecuting() async throws {
        let f = try await Fixture()
        let first = try await f.post("f-1")
        #expect(first.status == 201)
        let (_, slot) = f.storeKey("f-1")
        let master = try await f.cluster.master(of: slot)
        let replica = try await f.cluster.replica(of: master)
        try await f.cluster.waitForReplication(master: master, replica: replica)

        f.cluster.server(port: master.port).stop()
        let killedAt = ContinuousClock.now
        var replayed: TestResponse?
        var unavailable = 0
        while ContinuousClock.now - killedAt < .seconds(20) {
            let attempt = try await f.post("f-1")
            if attempt.status == 503 {
                #expect(attempt.header("Retry-After") != nil)
                unavailable += 1
                try await Task.sleep(for: .milliseconds(200))
                continue
            }
            replayed = attempt
            break
        }
        let response = try #require(replayed, "no answer but 503 within 20 s of the failover")
        #expect(response.header("Idempotent-Replayed") == "true")
        #expect(response.body == first.body)
        #expect(f.ledger.executions(key: "f-1") == 1)
        let promoted = try await f.cluster.master(of: slot)
        #expect(promoted.port == replica.port)

        // A new key on the promoted master executes normally.
        let fresh = try #require((0..<2000).map { "f-new-\($0)" }.first { promoted.serves(f.storeKey($0).slot) })
        let executed = try await f.post(fresh)
        #expect(executed.status == 201)
        #expect(executed.header("Idempotent-Replayed") == nil)
        await f.shutdown()
    }
}
