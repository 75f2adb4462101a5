/// The id of one async operation, as the client sees it in
/// `Location: /_operations/{id}`. Unlike `ClaimToken` and request ids it is a
/// capability: anyone holding it (within the route's scope) may read the
/// response, so it takes 128 bits from the system's CSPRNG, not `UniqueBits`,
/// whose counter-derived half a client could predict from one id it saw.
/// Drawn only when a route has `async`, so other routes pay no system call.
public struct OperationID: Sendable, Hashable, CustomStringConvertible {
    /// 16 bytes.
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses the 32 lowercase hex digits `text` writes; nil for anything else.
    public init?(text: Substring) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 32 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for index in stride(from: 0, to: 32, by: 2) {
            guard let high = Self.nibble(utf8[index]), let low = Self.nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.bytes = bytes
    }

    public static func random() -> OperationID {
        var generator = SystemRandomNumberGenerator()
        let (high, low) = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { OperationID(unchecked: Array($0)) }
    }

    private init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// 32 lowercase hex digits: safe in a URL path and in a Redis key.
    public var text: String { HexText.encode(bytes) }

    /// Where the client polls it.
    public var location: String { "/_operations/" + text }

    /// The key of its `OperationRecord`: `<prefix>:op:{<id>}`, its own hash
    /// tag, since a poll knows only the id.
    public func storeKey(prefix: String) -> String { "\(prefix):op:{\(text)}" }

    public var description: String { text }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
