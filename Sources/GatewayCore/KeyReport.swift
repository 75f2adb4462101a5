/// The JSON body the admin key API's `GET /keys/...` and `key show` print:
/// one renderer, so both always say the same thing about a key.
public enum KeyReport {
    /// - Parameters:
    ///   - routeTTL: the route's `ttl`, from which `created_at` is worked
    ///     out for a settled record: it was written with that TTL.
    ///   - now: milliseconds since the Unix epoch.
    public static func json(route: String, storeKey: StoreKey, inspection: KeyInspection, routeTTL: Duration,
                            now: Int64) -> String {
        let state = inspection.state
        let ttl = inspection.remaining.map { String($0.milliseconds) } ?? "null"
        var json = "{\"route\":\(JSONText.quote(route)),\"key_hash\":\(JSONText.quote(storeKey.digest))"
        json += ",\"state\":\(JSONText.quote(state.rawValue))"
        json += ",\"status\":\(inspection.status.map(String.init) ?? "null")"
        json += ",\"stored_bytes\":\(inspection.bytes.count),\"ttl_ms\":\(ttl)"
        json += ",\"fence\":\(inspection.fence.map(String.init) ?? "null")"
        json += ",\"created_at\":\(createdAt(inspection, routeTTL: routeTTL, now: now).map(JSONText.quote) ?? "null")}"
        return json
    }

    /// When the record was written, for a settled one: now less the TTL it
    /// has used up. Nil for a claim (its TTL is renewed as it runs), for a
    /// record without a TTL, and when the route's `ttl` was shortened since
    /// (more left than the route now grants): the estimate would be wrong.
    static func createdAt(_ inspection: KeyInspection, routeTTL: Duration, now: Int64) -> String? {
        switch inspection.state {
        case .inFlight, .unreadable: return nil
        case .completed, .notKept, .outcomeUnknown: break
        }
        guard let remaining = inspection.remaining, remaining <= routeTTL else { return nil }
        return UTCTimestamp.rfc3339(milliseconds: now - (routeTTL - remaining).milliseconds)
    }
}
