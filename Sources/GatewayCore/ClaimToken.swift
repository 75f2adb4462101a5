/// A random owner token for one claim. Settling compares it, so a gateway
/// whose lease expired and was replaced can never overwrite or release the
/// new owner's record.
public struct ClaimToken: Sendable, Hashable {
    /// 16 random bytes.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A fresh token from the system's cryptographic generator.
    public static func random() -> ClaimToken {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<16 { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
        return ClaimToken(bytes: bytes)
    }
}
