import GatewayCore
import Synchronization

/// Keys this gateway has seen hold a completed record, and until when that
/// record lives: a claim of one of them asks Redis with plain GET and PTTL
/// (one round trip) instead of the claim script, nearly what the nginx + Lua
/// peer does on a replay. Redis spends about 6k instructions on a GET and
/// 12k on a PTTL, each in its own round trip, against 38k for EVALSHA of
/// the claim script on a completed key (callgrind, redis-server 7.0).
///
/// Only a hint: Redis answers every claim. A key purged, expired early or
/// claimed again since is found so by the GET, forgotten, and claimed by the
/// script in a second round trip, so no answer depends on this set being
/// right. Bounded: past `capacity` keys, expired ones go, then all of them.
final class RedisCompletedKeys: Sendable {
    private let entries = Mutex<[StoreKey: ContinuousClock.Instant]>([:])
    private let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// True when `key` held a completed record that should still live.
    func contains(_ key: StoreKey, at now: ContinuousClock.Instant = .now) -> Bool {
        entries.withLock { entries in
            guard let expires = entries[key] else { return false }
            if expires > now { return true }
            entries[key] = nil
            return false
        }
    }

    func remember(_ key: StoreKey, until expires: ContinuousClock.Instant, at now: ContinuousClock.Instant = .now) {
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil {
                entries = entries.filter { $0.value > now }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = expires
        }
    }

    func forget(_ key: StoreKey) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
