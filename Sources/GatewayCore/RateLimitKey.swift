/// The store key of one principal's rate-limit budget on one route. Like
/// `StoreKey`, the header values are hashed, so no bearer token reaches the
/// store, and each field is length-prefixed, so a missing header differs
/// from an empty one.
public struct RateLimitKey: Sendable, Hashable, CustomStringConvertible {
    /// `<prefix>:rate:<route>:{<64 hex digits>}`; the braces are a Redis
    /// Cluster hash tag, as for record keys.
    public let value: String
    /// The route, for per-route metrics.
    public let route: String

    public init(prefix: String, route: String, principal: [String?]) {
        var fields = FieldDigest()
        fields.append(route)
        fields.append(String(principal.count))
        for value in principal { fields.append(value) }
        let hex = fields.hex
        self.route = route
        self.value = "\(prefix):rate:\(route):{\(hex)}"
    }

    public var description: String { value }
}
