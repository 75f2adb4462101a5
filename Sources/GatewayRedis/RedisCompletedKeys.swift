import GatewayCore
import Synchronization

/// Keys this gateway has seen hold a completed record, until when that
/// record lives, and for a short while the record itself.
///
/// A completed record never changes until it expires or is purged, so:
/// - **Replay cache.** For `replayFor` after this gateway wrote or read a
///   completed record (never past the record's own TTL), a claim of its key
///   is answered from memory, a replay or a 422, with no Redis round trip:
///   a retry storm costs Redis one read per key per `replayFor`. A purge
///   through this gateway drops the entry at once; one made through another
///   gateway or the CLI reaches this one within `replayFor`.
/// - **Known keys.** Past `replayFor`, a claim of a key known to be
///   completed asks Redis with plain GET and PTTL (one round trip) instead
///   of the claim script: Redis spends about 6k instructions on a GET and
///   12k on a PTTL against 38k for EVALSHA of the claim script on a
///   completed key (callgrind, redis-server 7.0). That read refills the
///   cache. A key purged, expired early or claimed again since is found so
///   by the GET, forgotten, and claimed by the script.
///
/// Bounded: past `capacity` keys, expired ones go, then all of them; past
/// `maxBytes` of cached responses, the cached responses go (the keys stay
/// known). Responses larger than `maxBytes / 64` are never cached.
final class RedisCompletedKeys: Sendable {
    /// What a claim of a key can be answered with without the claim script.
    enum Hint: Equatable {
        /// The record, cached: answer from memory.
        case record(Fingerprint, Snapshot)
        /// Known to be completed: read it with GET and PTTL.
        case completed
    }

    private struct Entry {
        /// When the record expires in Redis.
        var expires: ContinuousClock.Instant
        /// The cached record and until when it may answer (≤ `expires`).
        var cached: (fingerprint: Fingerprint, snapshot: Snapshot, until: ContinuousClock.Instant, bytes: Int)?
    }

    private struct State {
        var entries: [StoreKey: Entry] = [:]
        var cachedBytes = 0
    }

    private let state = Mutex(State())
    private let capacity: Int
    /// How long a cached record answers; zero caches nothing.
    let replayFor: Duration
    private let maxBytes: Int

    init(capacity: Int = 4096, replayFor: Duration = .zero, maxBytes: Int = 8 << 20) {
        self.capacity = capacity
        self.replayFor = replayFor
        self.maxBytes = maxBytes
    }

    /// How `key` can be answered, if it held a completed record that should
    /// still live.
    func lookup(_ key: StoreKey, at now: ContinuousClock.Instant = .now) -> Hint? {
        state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            guard entry.expires > now else {
                Self.remove(key, from: &state)
                return nil
            }
            if let cached = entry.cached, cached.until > now { return .record(cached.fingerprint, cached.snapshot) }
            return .completed
        }
    }

    /// `key` holds a completed record until `expires`; with `record`, that
    /// record is cached for `replayFor` (capped at `expires`).
    func remember(_ key: StoreKey, until expires: ContinuousClock.Instant,
                  record: (fingerprint: Fingerprint, snapshot: Snapshot)? = nil, at now: ContinuousClock.Instant = .now) {
        // Sized only when it may be cached: with the cache off, a settle
        // does not walk the response's headers for nothing.
        let bytes = replayFor > .zero ? record.map { Self.size(of: $0.snapshot) } ?? 0 : 0
        let caches = record != nil && replayFor > .zero && bytes <= maxBytes / 64
        state.withLock { state in
            if state.entries.count >= capacity, state.entries[key] == nil {
                state.entries = state.entries.filter { $0.value.expires > now }
                if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
                state.cachedBytes = state.entries.values.reduce(0) { $0 + ($1.cached?.bytes ?? 0) }
            }
            state.cachedBytes -= state.entries[key]?.cached?.bytes ?? 0
            var entry = Entry(expires: expires, cached: nil)
            if caches, let record {
                if state.cachedBytes + bytes > maxBytes {
                    state.entries = state.entries.mapValues { Entry(expires: $0.expires, cached: nil) }
                    state.cachedBytes = 0
                }
                entry.cached = (record.fingerprint, record.snapshot, min(expires, now + replayFor), bytes)
                state.cachedBytes += bytes
            }
            state.entries[key] = entry
        }
    }

    func forget(_ key: StoreKey) {
        state.withLock { Self.remove(key, from: &$0) }
    }

    /// The bytes of cached responses, for tests of the bound.
    var cachedBytes: Int { state.withLock { $0.cachedBytes } }

    private static func remove(_ key: StoreKey, from state: inout State) {
        state.cachedBytes -= state.entries.removeValue(forKey: key)?.cached?.bytes ?? 0
    }

    /// What a cached snapshot holds on to, roughly: its body, its headers
    /// and a fixed overhead.
    static func size(of snapshot: Snapshot) -> Int {
        snapshot.headers.reduce(128 + snapshot.body.count) { $0 + $1.name.utf8.count + $1.value.utf8.count + 32 }
    }
}
