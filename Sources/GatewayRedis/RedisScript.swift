import Crypto
import GatewayCore

/// A Lua script run with EVALSHA. Each connection loads every script with
/// SCRIPT LOAD right after connecting, which also checks that the server's
/// digest is ours. The digest is the SHA-1 of the source (Redis defines it
/// so), computed here once: a request can then be built whole by its caller,
/// with no per-connection lookup. A NOSCRIPT reply (SCRIPT FLUSH, or a
/// failover to a replica that never saw the script) falls back to EVAL,
/// which also puts the script back into the server's cache.
struct RedisScript: Sendable, Hashable {
    /// For logs only.
    let name: String
    let source: String
    /// Hex SHA-1 of `source`: what EVALSHA names the script by.
    let digest: String

    init(name: String, source: String) {
        self.name = name
        self.source = source
        digest = Insecure.SHA1.hash(data: Array(source.utf8)).withUnsafeBytes { HexText.encode($0) }
    }

    static func == (lhs: RedisScript, rhs: RedisScript) -> Bool { lhs.digest == rhs.digest }
    func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    /// KEYS[1] = record key, KEYS[2] = its fencing counter (same hash slot),
    /// ARGV[1] = pending record, ARGV[2] = lease in ms, ARGV[3] = counter TTL
    /// in ms, ARGV[4] = the route's `ttl` in ms. Returns `{value, pttl}` for
    /// a taken key, or the new fencing number after writing the claim. GET
    /// and SET in one script make the claim atomic and one round trip, which
    /// SET NX alone cannot do: it would not return the value. The counter
    /// gets its TTL in the same script, so it is never left without one.
    ///
    /// A record without a TTL (written by hand, or PERSISTed) would hold its
    /// key for good, so the first claim that finds one gives it a TTL.
    /// Deleting it instead is not safe: a pending claim (tag `P`) may belong
    /// to a gateway still calling the upstream, so it gets one lease, as if
    /// just claimed. Its owner's next renewal extends it as usual, and a
    /// dead owner's key frees within `lock_ttl`, as after a crash. Anything
    /// else (a completed record, or bytes we cannot read, which may have
    /// been one) gets the route's `ttl`, as a completed record would.
    static let claim = RedisScript(name: "claim", source: answerTakenKey + claimFreeKey)

    /// The first half of both claim scripts: a taken key answers
    /// `{value, pttl}`, its TTL repaired when missing, and nothing is written.
    private static let answerTakenKey = """
        local value = redis.call('GET', KEYS[1])
        if value then
          local pttl = redis.call('PTTL', KEYS[1])
          if pttl == -1 then
            if string.byte(value, 1) == 80 then pttl = ARGV[2] else pttl = ARGV[4] end
            redis.call('PEXPIRE', KEYS[1], pttl)
            pttl = tonumber(pttl)
          end
          return {value, pttl}
        end

        """

    /// The last part of both claim scripts: the key is free, so it is claimed.
    private static let claimFreeKey = """
        local fence = redis.call('INCR', KEYS[2])
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return fence
        """

    /// KEYS[1] = record key, KEYS[2] = fencing counter, ARGV[1] = our
    /// pending record, ARGV[2] = lease in ms, ARGV[3] = counter TTL in ms.
    /// Compare-and-extend: only the owner's claim gets a longer lease. The
    /// counter is only ever lengthened, never shortened.
    static let renew = RedisScript(name: "renew", source: """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
          end
          return 1
        end
        return 0
        """)

    /// KEYS[1] = record key, KEYS[2] = fencing counter, ARGV[1] = our
    /// pending record, ARGV[2] = completed record, ARGV[3] = TTL in ms,
    /// ARGV[4] = counter TTL in ms. Compare-and-set: comparing the whole
    /// pending record (fingerprint and owner token) means a gateway whose
    /// lease expired can never overwrite the next owner's claim.
    static let complete = RedisScript(name: "complete", source: """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
          if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[4]) then
            redis.call('PEXPIRE', KEYS[2], ARGV[4])
          end
          return 1
        end
        return 0
        """)

    /// KEYS[1] = key, ARGV[1] = our pending record. Compare-and-delete. The
    /// fencing counter stays, so the next claim gets a larger number.
    static let release = RedisScript(name: "release", source: """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('DEL', KEYS[1])
          return 1
        end
        return 0
        """)

    // MARK: Rate limits (issue 17, `rate_limit`)

    /// GCRA (`GCRA.decide`, line by line) against Redis's own clock, so
    /// every gateway shares one clock: `bucket` holds the TAT in µs,
    /// written with `%d` (Redis may write a plain Lua number in exponent
    /// form and lose the microseconds), kept until the budget is full
    /// again; a value that is not a number counts as a full budget. Leaves
    /// `spent` 0 when allowed, else the µs to wait.
    private static func spend(bucket: String, interval: String, window: String) -> String {
        """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
        local tat = tonumber(redis.call('GET', \(bucket)) or '') or now
        if tat < now then tat = now end
        local nexttat = tat + tonumber(\(interval))
        local allowed = nexttat - tonumber(\(window))
        local spent = 0
        if allowed > now then
          spent = allowed - now
        else
          redis.call('SET', \(bucket), string.format('%d', nexttat), 'PX', math.ceil((nexttat - now) / 1000))
        end

        """
    }

    /// KEYS[1] = budget, ARGV[1] = interval in µs, ARGV[2] = window in µs.
    /// Returns 0 when allowed, else the µs until the next request is.
    static let rateLimit = RedisScript(name: "rate_limit",
                                       source: spend(bucket: "KEYS[1]", interval: "ARGV[1]", window: "ARGV[2]") + "return spent\n")

    /// `claim` with KEYS[3] = budget, ARGV[5] = interval, ARGV[6] = window:
    /// a taken key answers as `claim` does, spending nothing (replays and
    /// refusals never count); a free key spends first, and a spent budget
    /// answers `{µs to wait}` (one element) without claiming. One round
    /// trip for a first execution, rate limit included. One server only:
    /// the budget and the record are in different cluster slots.
    static let claimLimited = RedisScript(name: "claim", source: answerTakenKey
        + spend(bucket: "KEYS[3]", interval: "ARGV[5]", window: "ARGV[6]")
        + "if spent > 0 then return {spent} end\n"
        + claimFreeKey)

    
    /// KEYS[1] = record key, KEYS[2] = fencing counter (untouched, so the
    /// next claim gets a larger number), ARGV[1] = `1` to delete a pending
    /// claim too. Returns 1 when deleted, 0 when absent, -1 when the key
    /// holds a claim (tag `P`) and ARGV[1] is not `1`: read and delete in
    /// one script, so a claim written between them is never deleted by mistake.
    static let purge = RedisScript(name: "purge", source: """
        local value = redis.call('GET', KEYS[1])
        if not value then return 0 end
        if string.byte(value, 1) == 80 and ARGV[1] ~= '1' then return -1 end
        redis.call('DEL', KEYS[1])
        return 1
        """)

    static let all: [RedisScript] = [claim, renew, complete, release, rateLimit, claimLimited, purge]
}
