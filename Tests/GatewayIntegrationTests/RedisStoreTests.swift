import Foundation
import GatewayCore
import GatewayRedis
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `RedisStore` against a private redis-server per test: the same contract
/// as `MemoryStore`, plus what only a network store has to get right
/// (TTLs, binary values, pipelining, outages and recovery). Serialized:
/// the outage tests measure latencies, which the 10k-claim test would skew.
@Suite(.serialized) struct RedisStoreTests {
    static let timeout: Duration = .milliseconds(500)
    static let lease: Duration = .seconds(5)
    static let ttl: Duration = .seconds(60)
    static let quiet = Logger(label: "redis-store-tests") { _ in SwiftLogNoOpLogHandler() }

    /// A server, a store and an inspection client on it.
    final class Fixture {
        let redis: RedisServerProcess
        let store: RedisStore
        let client: RedisCommandClient

        init(connections: Int = 2, endpoint: (Int) -> RedisEndpoint = { RedisEndpoint(host: "127.0.0.1", port: $0) },
             serverArguments: [String] = []) async throws {
            redis = try await RedisServerProcess.start(extraArguments: serverArguments)
            store = RedisStore(endpoint: endpoint(redis.port), timeout: RedisStoreTests.timeout,
                               connections: connections, logger: RedisStoreTests.quiet)
            client = RedisCommandClient(endpoint: endpoint(redis.port), timeout: RedisStoreTests.timeout)
        }

        deinit {
            store.shutdown()
            client.shutdown()
            redis.stop()
        }
    }

    static func key() -> StoreKey { StoreKey(rawValue: "test:\(UUID().uuidString)") }

    static func fingerprint(_ name: String) -> Fingerprint {
        Fingerprint.compute(method: "POST", path: "/\(name)", query: nil, body: [])
    }

    static let snapshot = Snapshot(status: 201, headers: [HeaderField(name: "Content-Type", value: "application/json")],
                                   body: Array(#"{"id":1}"#.utf8))

    @Test func claimAcquiresThenReportsInFlightOrMismatch() async throws {
        let fixture = try await Fixture()
        let key = Self.key()
        let first = PendingClaim(fingerprint: Self.fingerprint("a"))
        #expect(try await fixture.store.claim(key, first, lease: Self.lease, ttl: Self.ttl) == .acquired(first.fenced(1)))

        let retry = PendingClaim(fingerprint: Self.fingerprint("a"))
        guard case .inFlight(let remaining) = try await fixture.store.claim(key, retry, lease: Self.lease, ttl: Self.ttl) else {
            Issue.record("expected inFlight")
            return
        }
        #expect(remaining > .zero && remaining <= Self.lease)

        let other = PendingClaim(fingerprint: Self.fingerprint("b"))
        #expect(try await fixture.store.claim(key, other, lease: Self.lease, ttl: Self.ttl) == .mismatch)
    }

    /// The claim script answers a taken key with its PTTL in the same round
    /// trip: the 409's Retry-After is built from it, so it must be the lease
    /// left, falling as the lease runs down, not the lease granted.
    @Test func inFlightCarriesTheLeaseLeftFromTheSameRoundTrip() async throws {
        let fixture = try await Fixture()
        let key = Self.key()
        let owner = PendingClaim(fingerprint: Self.fingerprint("a"))
        #expect(try await fixture.store.claim(key, owner, lease: .seconds(4), ttl: Self.ttl) == .acquired(owner.fenced(1)))
        try await Task.sleep(for: .milliseconds(1200))
        let retry = PendingClaim(fingerprint: owner.fingerprint)
        guard case .inFlight(let remaining) = try await fixture.store.claim(key, retry, lease: .seconds(4), ttl: Self.ttl),
              case .integer(let pttl) = try await fixture.client.command(["PTTL", key.value])
        else {
            Issue.record("expected inFlight and a PTTL")
            return
        }
        #expect(remaining <= .milliseconds(2800))
        #expect(remaining > .milliseconds(1000))
        // Read right after the claim: at most the time between the two.
        #expect(remaining.milliseconds >= pttl && remaining.milliseconds - pttl < 500)
        #expect(remaining.retryAfterSeconds == 3 || remaining.retryAfterSeconds == 2)
    }

    /// How many GETs and EVALSHAs the server has run, from INFO commandstats.
    static func calls(_ fixture: Fixture) async throws -> (get: Int, evalsha: Int) {
        let counts = GatewayFixture.commandCounts(fromInfo: try await fixture.client.command(["INFO", "commandstats"]).string ?? "")
        return (counts["get"] ?? 0, counts["evalsha"] ?? 0)
    }

    /// A key this store completed is replayed with a plain GET (and PTTL,
    /// in the same round trip), as the nginx + Lua peer does, not with the
    /// claim script; the fingerprint is still checked (422 for another
    /// request).
    @Test func aCompletedKeyIsReplayedWithAPlainGet() async throws {
        let fixture = try await Fixture()
        let key = Self.key()
        let owner = PendingClaim(fingerprint: Self.fingerprint("a"))
        #expect(try await fixture.store.claim(key, owner, lease: Self.lease, ttl: Self.ttl) == .acquired(owner.fenced(1)))
        #expect(try await fixture.store.complete(key, owner.fenced(1), snapshot: Self.snapshot, ttl: Self.ttl))
        let before = try await Self.calls(fixture)
        for _ in 0..<5 {
            let retry = PendingClaim(fingerprint: owner.fingerprint)
            #expect(try await fixture.store.claim(key, retry, lease: Self.lease, ttl: Self.ttl) == .completed(Self.snapshot))
        }
        let other = PendingClaim(fingerprint: Self.fingerprint("b"))
        #expect(try await fixture.store.claim(key, other, lease: Self.lease, ttl: Self.ttl) == .mismatch)
        let after = try await Self.calls(fixture)
        #expect(after.get - before.get == 6)
        #expect(after.evalsha == before.evalsha)
    }

    /// Redis decides, not the store's memory of completed keys: a key purged
    /// since is claimed again (next fence), and one another gateway claimed
    /// since is in flight, with its lease left.
    @Test func aRememberedKeyThatChangedIsClaimedByTheScript() async throws {
        let fixture = try await Fixture()
        let other = RedisStore(endpoint: RedisEndpoint(host: "127.0.0.1", port: fixture.redis.port), timeout: Self.timeout,
                               logger: Self.quiet)
        defer { other.shutdown() }
        let key = Self.key()
        let first = PendingClaim(fingerprint: Self.fingerprint("a"))
        #expect(try await fixture.store.claim(key, first, lease: Self.lease, ttl: Self.ttl) == .acquired(first.fenced(1)))
        #expect(try await fixture.store.complete(key, first.fenced(1), snapshot: Self.snapshot, ttl: Self.ttl))
        #expect(try await fixture.client.command(["DEL", key.value]) == .integer(1))
        let second = PendingClaim(fingerprint: first.fingerprint)
        #expect(try await fixture.store.claim(key, second, lease: Self.lease, ttl: Self.ttl) == .acquired(second.fenced(2)))
        #expect(try await fixture.store.complete(key, second.fenced(2), snapshot: Self.snapshot, ttl: Self.ttl))

        // Purged again, then claimed by another gateway: pending there.
        #expect(try await fixture.client.command(["DEL", key.value]) == .integer(1))
        let elsewhere = PendingClaim(fingerprint: first.fingerprint)
        #expect(try await other.claim(key, elsewhere, lease: Self.lease, ttl: Self.ttl) == .acquired(elsewhere.fenced(3)))
        let retry = PendingClaim(fingerprint: first.fingerprint)
        guard case .inFlight(let left) = try await fixture.store.claim(key, retry, lease: Self.lease, ttl: Self.ttl) else {
            Issue.record("expected the other gateway's claim in flight")
            return
        }
        #expect(left > .zero && left <= Self.lease)
    }

    @Test func renewExtendsOnlyTheOwnersLeaseAndFencesGrow() async throws {
        let fixture = try await Fixture()
        let key = Self.key()
        let owner = PendingClaim(fingerprint: Self.fingerprint("a"))
        #expect(try await fixture.store.claim(key, owner, lease: .milliseconds(300), ttl: Self.ttl) == .acquired(owner.fenced(1)))
        #expect(try await fixture.store.renew(key, owner, lease: .seconds(5), ttl: Self.ttl))
        let stranger = PendingClaim(fingerprint: owner.fingerprint)
        #expect(try await fixture.store.renew(key, stranger, lease: .seconds(5), ttl: Self.ttl) == false)
        try await Task.sleep(for: .milliseconds(400))
        guard case .inFlight = try await fixture.store.claim(key, stranger, lease: Self.lease, ttl: Self.ttl) else {
            Issue.record("the renewed claim should still hold the key")
            return
        }
        // The counter lives beside the record, with a TTL of lease + ttl.
        #expect(try await fixture.client.command(["GET", key.fenceKey]) == .bulk(Array("1".utf8)))
        guard case .integer(let counterTTL) = try await fixture.client.command(["PTTL", key.fenceKey]) else {
            Issue.record("PTTL failed")
            return
        }
        #expect(counterTTL > 60_000 && counterTTL <= 65_000)
        #expect(try await fixture.store.release(key, owner))
        #expect(try await fixture.store.renew(key, owner, lease: .seconds(5), ttl: Self.ttl) == false)
        #expect(try await fixture.store.claim(key, stranger, lease: Self.lease, ttl: Self.ttl) == .acquired(stranger.fenced(2)))
    }

    @Test func completedClaimReplaysTheSnapshot() async throws {
        let fixture = try await Fixture()
        let key = Self.key()
        let claim = PendingClaim(fingerprint: Self.fingerprint("a"))
        _ = try await fixture.store.claim(key, claim, lease: Self.lease, ttl: Self.ttl)
        #expect(try await fixture.store.complete(key, claim, snapshot: Self.snapshot, ttl: .seconds(60)))

        let retry = PendingClaim(fingerprint: Self.fingerprint("a"))
        #expect(try await fixture.store.claim(key, retry, lease: Self.lease, ttl: Self.ttl) == .completed(Self.snapshot))
        let other = PendingClaim(fingerprint: Self.fingerprint("b"))
        #expect(try await fixture.store.claim(key, other, lease: Self.lease, ttl: Self.ttl) == .mismatch)
        // Settling twice is refused: the key no longer holds the pending record.
        #expect(try await fixture.store.complete(key, claim, snapshot: Self.snapshot, ttl: .seconds(60)) == false)
        #expect(try await fixture.store.release(key, claim) == false)
    }

    @Test func settlingRefusesOnceTheLeaseWentToAnotherClaim() async throws {
        let fixture = try await Fixture()
        let key = Self.key()
        let late = PendingClaim(fingerprint: Self.fingerprint("a"))
        #expect(try await fixture.store.claim(key, late, lease: .milliseconds(50), ttl: Self.ttl) == .acquired(late.fenced(1)))
        try await Task.sleep(for: .milliseconds(150))

        let next = PendingClaim(fingerprint: Self.fingerprint("a"))
        #expect(try await fixture.store.claim(key, next, lease: .seconds(60), ttl: Self.ttl) == .acquired(next.fenced(2)))
        #expect(try await fixture.store.complete(key, late, snapshot: Self.snapshot, ttl: .seconds(60)) == false)
        #expect(try await fixture.store.release(key, late) == false)

        let reply = try await fixture.client.command(["GET", key.value])
        guard case .bulk(let stored) = reply else {
            Issue.record("GET answered \(reply)")
            return
        }
        #expect(IdempotencyRecord.decode(stored) == .pending(next))
        #expect(try await fixture.store.complete(key, next, snapshot: Self.snapshot, ttl: .seconds(60)))
    }

    @Test func releaseDeletesOnlyTheOwnersClaim() async throws {
        let fixture = try await Fixture()
        let key = Self.key()
        let owner = PendingClaim(fingerprint: Self.fingerprint("a"))
        _ = try await fixture.store.claim(key, owner, lease: Self.lease, ttl: Self.ttl)
        let impostor = PendingClaim(fingerprint: owner.fingerprint)
        #expect(try await fixture.store.release(key, impostor) == false)
        #expect(try await fixture.store.release(key, owner))
        #expect(try await fixture.client.command(["EXISTS", key.value]) == .integer(0))

        let retry = PendingClaim(fingerprint: owner.fingerprint)
        #expect(try await fixture.store.claim(key, retry, lease: Self.lease, ttl: Self.ttl) == .acquired(retry.fenced(2)))
    }

    @Test func everyKeyWrittenHasATTL() async throws {
        let fixture = try await Fixture()
        let prefix = "ttl-\(UUID().uuidString)"
        for index in 0..<10 {
            let key = StoreKey(rawValue: "\(prefix):\(index)")
            let claim = PendingClaim(fingerprint: Self.fingerprint("\(index)"))
            _ = try await fixture.store.claim(key, claim, lease: .seconds(30), ttl: Self.ttl)
            if index.isMultiple(of: 2) {
                _ = try await fixture.store.complete(key, claim, snapshot: Self.snapshot, ttl: .seconds(600))
            }
        }
        guard case .array(let keys) = try await fixture.client.command(["KEYS", "\(prefix):*"]) else {
            Issue.record("KEYS failed")
            return
        }
        #expect(keys.count >= 20)  // a record and a fencing counter per key
        for case .bulk(let name) in keys {
            let name = String(decoding: name, as: UTF8.self)
            guard case .integer(let ttl) = try await fixture.client.command(["PTTL", name]) else {
                Issue.record("PTTL failed for \(name)")
                continue
            }
            // Records: the lease (30 s) or the replay TTL (600 s). Fencing
            // counters outlive their record by one TTL (60 s, or 600 s).
            let parts = name.split(separator: ":")
            let isFence = parts.last == "fence"
            let completed = Int(parts[isFence ? parts.count - 2 : parts.count - 1])!.isMultiple(of: 2)
            let expected: Int64 = switch (isFence, completed) {
            case (false, false): 30_000
            case (false, true): 600_000
            case (true, false): 90_000
            case (true, true): 1_200_000
            }
            #expect(ttl > 0 && ttl <= expected, "\(name) has PTTL \(ttl)")
        }

        // A sub-millisecond lease must still give a valid PX (0 is an error), and expire.
        let tiny = StoreKey(rawValue: "\(prefix):tiny")
        let claim = PendingClaim(fingerprint: Self.fingerprint("tiny"))
        #expect(try await fixture.store.claim(tiny, claim, lease: .microseconds(10), ttl: Self.ttl) == .acquired(claim.fenced(1)))
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await fixture.client.command(["EXISTS", tiny.value]) == .integer(0))
    }

    @Test func concurrentClaimsOfOneKeyAcquireExactlyOnce() async throws {
        let fixture = try await Fixture(connections: 4)
        let key = Self.key()
        let fingerprint = Self.fingerprint("a")
        let store = fixture.store
        let results = try await withThrowingTaskGroup(of: ClaimResult.self) { group in
            for _ in 0..<64 {
                group.addTask { try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: Self.lease, ttl: Self.ttl) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let acquired = results.filter { if case .acquired = $0 { true } else { false } }
        let inFlight = results.filter { if case .inFlight = $0 { true } else { false } }
        #expect(acquired.count == 1)
        #expect(inFlight.count == 63)
    }

    @Test func binaryBodiesRoundTripByteForByte() async throws {
        let fixture = try await Fixture()
        let key = Self.key()
        let body = (0..<300 * 1024).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        #expect(Set(body).count == 256)
        let snapshot = Snapshot(status: 200, headers: [HeaderField(name: "Content-Type", value: "application/octet-stream"),
                                                       HeaderField(name: "X-Note", value: "caf\u{e9} \u{1F600}")], body: body)
        let claim = PendingClaim(fingerprint: Self.fingerprint("binary"))
        _ = try await fixture.store.claim(key, claim, lease: Self.lease, ttl: Self.ttl)
        #expect(try await fixture.store.complete(key, claim, snapshot: snapshot, ttl: .seconds(60)))

        let stored = try await fixture.client.command(["GET", key.value])
        #expect(stored == .bulk(IdempotencyRecord.completed(fingerprint: claim.fingerprint, snapshot: snapshot).encoded()))
        let replay = try await fixture.store.claim(key, PendingClaim(fingerprint: claim.fingerprint), lease: Self.lease, ttl: Self.ttl)
        #expect(replay == .completed(snapshot))
    }

    /// Not `StoreUnavailable`: the store answered, and the pipeline turns
    /// this into `500 record-corrupt` rather than `503 store-unavailable`.
    @Test func undecodableRecordIsReportedAsCorrupt() async throws {
        let fixture = try await Fixture()
        let key = Self.key()
        _ = try await fixture.client.command(bytes: [Array("SET".utf8), Array(key.value.utf8), [0, 0xFF, 0x50], Array("PX".utf8), Array("60000".utf8)])
        let result = try await fixture.store.claim(key, PendingClaim(fingerprint: Self.fingerprint("a")), lease: Self.lease, ttl: Self.ttl)
        #expect(result == .corrupt(bytes: 3))
        // Left as it was: neither overwritten nor deleted.
        #expect(try await fixture.client.command(["GET", key.value]) == .bulk([0, 0xFF, 0x50]))
    }

    @Test func flushedScriptCacheFallsBackToEval() async throws {
        let fixture = try await Fixture(connections: 1)
        let first = PendingClaim(fingerprint: Self.fingerprint("a"))
        #expect(try await fixture.store.claim(Self.key(), first, lease: Self.lease, ttl: Self.ttl) == .acquired(first.fenced(1)))
        #expect(try await fixture.client.command(["SCRIPT", "FLUSH"]) == .status("OK"))

        let key = Self.key()
        let claim = PendingClaim(fingerprint: Self.fingerprint("b"))
        #expect(try await fixture.store.claim(key, claim, lease: Self.lease, ttl: Self.ttl) == .acquired(claim.fenced(1)))
        #expect(try await fixture.store.complete(key, claim, snapshot: Self.snapshot, ttl: .seconds(60)))
        #expect(try await fixture.store.claim(key, PendingClaim(fingerprint: claim.fingerprint), lease: Self.lease, ttl: Self.ttl) == .completed(Self.snapshot))
    }

    @Test func pingAndErrorReplies() async throws {
        let fixture = try await Fixture()
        try await fixture.store.ping()
        guard case .error(let message) = try await fixture.client.command(["NOSUCHCOMMAND"]) else {
            Issue.record("expected an error reply")
            return
        }
        #expect(message.hasPrefix("ERR"))
    }

    @Test func logsInAndSelectsTheDatabase() async throws {
        let password = "s3cret"
        let fixture = try await Fixture(endpoint: { RedisEndpoint(host: "127.0.0.1", port: $0, password: password, database: 3) },
                                        serverArguments: ["--requirepass", password])
        let key = Self.key()
        let claim = PendingClaim(fingerprint: Self.fingerprint("a"))
        #expect(try await fixture.store.claim(key, claim, lease: Self.lease, ttl: Self.ttl) == .acquired(claim.fenced(1)))
        #expect(try await fixture.client.command(["EXISTS", key.value]) == .integer(1))

        let database0 = RedisCommandClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: fixture.redis.port, password: password), timeout: Self.timeout)
        defer { database0.shutdown() }
        #expect(try await database0.command(["EXISTS", key.value]) == .integer(0))

        let intruder = RedisStore(endpoint: RedisEndpoint(host: "127.0.0.1", port: fixture.redis.port, password: "wrong"),
                                  timeout: Self.timeout, connections: 1, logger: Self.quiet)
        defer { intruder.shutdown() }
        let error = await #expect(throws: StoreUnavailable.self) { try await intruder.ping() }
        #expect(error?.reason.contains("AUTH") == true)
        #expect(error?.reason.contains("wrong") == false)
    }

    // MARK: Outages

    /// Retries `body` until it succeeds or `limit` passes; returns how long it took.
    static func eventually(within limit: Duration, _ body: () async throws -> Void) async throws -> Duration {
        let started = ContinuousClock.now
        while true {
            do {
                try await body()
                return ContinuousClock.now - started
            } catch {
                if ContinuousClock.now - started > limit { throw error }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    func claimSucceeds(_ store: RedisStore) async throws {
        let claim = PendingClaim(fingerprint: Self.fingerprint("outage"))
        #expect(try await store.claim(Self.key(), claim, lease: Self.lease, ttl: Self.ttl) == .acquired(claim.fenced(1)))
    }

    @Test func stoppedRedisFailsFastAndTheStoreRecoversAfterARestart() async throws {
        let fixture = try await Fixture()
        try await fixture.store.ping()
        fixture.redis.stop()

        for _ in 0..<6 {  // the first attempts on each connection, then the backoff
            let started = ContinuousClock.now
            await #expect(throws: StoreUnavailable.self) { try await claimSucceeds(fixture.store) }
            #expect(ContinuousClock.now - started < .milliseconds(250))
        }
        await #expect(throws: StoreUnavailable.self) { try await fixture.store.ping() }

        try await fixture.redis.start()
        // The backoff is at most 1s, so both connections are back soon after.
        let recovery = try await Self.eventually(within: .seconds(3)) {
            try await claimSucceeds(fixture.store)
            try await claimSucceeds(fixture.store)
        }
        #expect(recovery < .milliseconds(1500))
        for _ in 0..<4 { try await claimSucceeds(fixture.store) }
    }

    @Test func restartWhileIdleIsInvisibleToCallers() async throws {
        let fixture = try await Fixture()
        for _ in 0..<4 { try await claimSucceeds(fixture.store) }
        fixture.redis.stop()
        try await fixture.redis.start()
        // Each connection notices the closed socket before sending and reconnects.
        for _ in 0..<4 { try await claimSucceeds(fixture.store) }
    }

    @Test func hungRedisTimesOutAndTheStoreRecovers() async throws {
        let fixture = try await Fixture(connections: 1)
        try await fixture.store.ping()
        fixture.redis.signal(SIGSTOP)

        let started = ContinuousClock.now
        let error = await #expect(throws: StoreUnavailable.self) { try await claimSucceeds(fixture.store) }
        let elapsed = ContinuousClock.now - started
        #expect(error?.reason.contains("timed out") == true, "\(String(describing: error))")
        #expect(elapsed >= Self.timeout - .milliseconds(50) && elapsed < Self.timeout + .milliseconds(600))

        fixture.redis.signal(SIGCONT)
        _ = try await Self.eventually(within: .seconds(3)) { try await claimSucceeds(fixture.store) }
    }

    /// hiredis writes with write(2): a server that closes the connection in
    /// the middle of a large pipelined write must cost an error, not a
    /// process killed by SIGPIPE.
    @Test func connectionsKilledMidWriteDoNotKillTheProcess() async throws {
        let fixture = try await Fixture(connections: 2)
        let store = fixture.store
        let client = fixture.client
        let snapshot = Snapshot(status: 200, headers: [], body: [UInt8](repeating: 0x2A, count: 4 << 20))
        let fingerprint = Self.fingerprint("big")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<10 {
                        let key = Self.key()
                        let claim = PendingClaim(fingerprint: fingerprint)
                        _ = try? await store.claim(key, claim, lease: Self.lease, ttl: Self.ttl)
                        _ = try? await store.complete(key, claim, snapshot: snapshot, ttl: .seconds(10))
                    }
                }
            }
            group.addTask {
                for _ in 0..<40 {
                    _ = try await client.command(["CLIENT", "KILL", "TYPE", "normal"])
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            try await group.waitForAll()
        }
        _ = try await Self.eventually(within: .seconds(3)) { try await claimSucceeds(store) }
    }

    @Test func shutdownFailsLaterCallsAndIsIdempotent() async throws {
        let fixture = try await Fixture()
        try await claimSucceeds(fixture.store)
        fixture.store.shutdown()
        fixture.store.shutdown()
        let error = await #expect(throws: StoreUnavailable.self) { try await fixture.store.ping() }
        #expect(error?.reason.contains("shut down") == true)
    }

    // MARK: Throughput

    @Test func tenThousandConcurrentClaimsArePipelined() async throws {
        let fixture = try await Fixture()
        let store = fixture.store
        let fingerprint = Self.fingerprint("load")
        let prefix = "load-\(UUID().uuidString)"

        let started = ContinuousClock.now
        let acquired = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<10_000 {
                group.addTask {
                    let claim = PendingClaim(fingerprint: fingerprint)
                    return try await store.claim(StoreKey(rawValue: "\(prefix):\(index)"), claim, lease: Self.lease, ttl: Self.ttl) == .acquired(claim.fenced(1))
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        let concurrent = ContinuousClock.now - started
        #expect(acquired == 10_000)

        let sequentialStart = ContinuousClock.now
        for index in 0..<1_000 {
            let claim = PendingClaim(fingerprint: fingerprint)
            _ = try await store.claim(StoreKey(rawValue: "\(prefix):seq:\(index)"), claim, lease: Self.lease, ttl: Self.ttl)
        }
        let sequential = ContinuousClock.now - sequentialStart
        print("RedisStore: 10000 concurrent claims in \(concurrent.milliseconds)ms; 1000 sequential claims in \(sequential.milliseconds)ms")
    }
}
