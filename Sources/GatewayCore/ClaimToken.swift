/// A unique owner token for one claim. Settling compares it, so a gateway
/// whose lease expired and was replaced can never overwrite or release the
/// new owner's record.
public struct ClaimToken: Sendable, Hashable {
    /// 16 bytes, unique per claim.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A token no other claim gets (see `UniqueBits`): the owner check only
    /// needs tokens to differ, and they never leave the gateway and the store.
    public static func random() -> ClaimToken {
        ClaimToken(bytes: UniqueBits.nextBytes())
    }
}
