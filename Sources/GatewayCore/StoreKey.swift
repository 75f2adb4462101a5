/// The store key for one idempotency key. The client's key is never used as
/// it is: it is hashed together with the route and the values of the route's
/// scope headers, so keys cannot collide across routes or tenants and no
/// bearer token or user-chosen string ever reaches the store.
public struct StoreKey: Sendable, Hashable, CustomStringConvertible {
    /// The full key, `<prefix>:<route>:{<64 hex digits>}`. The braces are a
    /// Redis Cluster hash tag: the record and its fencing counter hash to
    /// the same slot, so one Lua script may touch both.
    public let value: String
    /// The hex digest alone: safe to log, since it reveals neither the key nor the scope.
    public let digest: String
    /// The route the key belongs to, for per-route metrics.
    public let route: String

    public init(prefix: String, route: String, scope: [String?], key: IdempotencyKey) {
        // One buffer, hashed in one call (see `Fingerprint.compute`).
        var fields = FieldDigest(capacity: 64 + route.utf8.count + key.value.utf8.count)
        fields.append(route)
        fields.append(String(scope.count))
        for value in scope { fields.append(value) }
        fields.append(key.value)
        let hex = fields.hex
        self.digest = hex
        self.route = route
        self.value = "\(prefix):\(route):{\(hex)}"
    }

    /// The key of the fencing counter: the record key plus `:fence`. Any
    /// hash tag of `value` is the first one of this key too, since `value`
    /// ends with a complete tag, so both always share a cluster slot.
    public var fenceKey: String { value + Self.fenceSuffix }

    /// What `fenceKey` adds to the record key.
    public static let fenceSuffix = ":fence"

    public init(rawValue: String) {
        self.value = rawValue
        self.digest = rawValue
        self.route = ""
    }

    public var description: String { value }
}
