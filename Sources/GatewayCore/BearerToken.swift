import Crypto

/// The admin listener's `admin.token`, checked against an `Authorization`
/// header in constant time: both sides are hashed to 32 bytes first, so
/// neither the position of the first wrong byte nor the token's length shows
/// in how long a refusal takes.
public struct BearerToken: Sendable {
    private let digest: [UInt8]

    public init(_ token: String) {
        digest = Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// True when `authorization` is `Bearer <token>` (the scheme is case
    /// insensitive, RFC 9110 §11.1). Several headers, or none, never match.
    public func accepts(_ authorization: [String]) -> Bool {
        guard authorization.count == 1 else { return false }
        let value = authorization[0].trimmingASCIIWhitespace()
        let scheme = "bearer "
        guard value.utf8.count > scheme.utf8.count, value.lowercased().hasPrefix(scheme) else { return false }
        let presented = Array(SHA256.hash(data: Array(value.utf8.dropFirst(scheme.utf8.count))))
        var difference: UInt8 = 0
        for index in 0..<digest.count { difference |= digest[index] ^ presented[index] }
        return difference == 0
    }
}
