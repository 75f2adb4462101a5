import Crypto

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
        var stream: [UInt8] = []
        func field(_ text: String?) {
            guard let text else {
                stream.append(0)
                return
            }
            stream.append(1)
            withUnsafeBytes(of: UInt64(text.utf8.count).bigEndian) { stream.append(contentsOf: $0) }
            stream.append(contentsOf: text.utf8)
        }
        field(route)
        field(String(principal.count))
        for value in principal { field(value) }
        let hex = SHA256.hash(data: stream).withUnsafeBytes { HexText.encode($0) }
        self.route = route
        self.value = "\(prefix):rate:\(route):{\(hex)}"
    }

    public var description: String { value }
}
