import GatewayCore

/// The support operations (admin key API, `idempotency-gateway key`): one
/// round trip each, never on the request path.
extension RedisStore {
    /// GET of the record, PTTL of the record and GET of the fencing counter,
    /// pipelined as one request (all three keys share a hash slot). Plain
    /// reads: unlike a claim, inspecting never repairs a missing TTL.
    public func inspect(_ key: StoreKey) async throws(StoreUnavailable) -> KeyInspection? {
        let reply = try await send(.reads([.keyCommand("GET", key.value), .keyCommand("PTTL", key.value),
                                             .keyCommand("GET", key.value, suffix: StoreKey.fenceSuffix)])).get()
        guard case .array(let replies) = reply, replies.count == 3 else {
            throw StoreUnavailable("inspect got an unexpected reply for key \(key.digest)")
        }
        let bytes: [UInt8]
        switch replies[0] {
        case .null: return nil
        case .bulk(let value): bytes = value
        default: throw StoreUnavailable("inspect: GET got an unexpected reply for key \(key.digest)")
        }
        guard case .integer(let left) = replies[1] else {
            throw StoreUnavailable("inspect: PTTL got an unexpected reply for key \(key.digest)")
        }
        var counter: UInt64?
        if case .bulk(let digits) = replies[2] { counter = UInt64(String(decoding: digits, as: UTF8.self)) }
        return KeyInspection(bytes: bytes, remaining: left >= 0 ? .milliseconds(left) : nil, fence: counter)
    }

    public func purge(_ key: StoreKey, force: Bool) async throws(StoreUnavailable) -> PurgeResult {
        let reply = try await run(.purge, key) { $0.append(force ? "1" : "0") }
        switch reply {
        case .integer(1):
            // This store would otherwise try a plain GET first; it finds
            // nothing and falls back to the claim script, but why ask.
            completedKeys.forget(key)
            return .purged
        case .integer(0): return .absent
        case .integer(-1): return .inFlight
        default: throw Self.unexpected(reply, from: .purge)
        }
    }
}
