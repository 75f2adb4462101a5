import Crypto

/// SHA-256 over a list of optional strings, each tagged (absent or present)
/// and length-prefixed, so no two lists share a byte stream and a missing
/// header differs from an empty one. Record keys (`StoreKey`) and rate-limit
/// budgets (`RateLimitKey`) are named this way, so neither a client's key
/// nor a header value (a bearer token) ever reaches the store.
struct FieldDigest {
    private var stream: [UInt8] = []

    init(capacity: Int = 64) {
        stream.reserveCapacity(capacity)
    }

    mutating func append(_ text: String?) {
        guard let text else {
            stream.append(0)
            return
        }
        stream.append(1)
        withUnsafeBytes(of: UInt64(text.utf8.count).bigEndian) { stream.append(contentsOf: $0) }
        stream.append(contentsOf: text.utf8)
    }

    /// The digest, 64 lower-case hex digits.
    var hex: String {
        SHA256.hash(data: stream).withUnsafeBytes { HexText.encode($0) }
    }
}
