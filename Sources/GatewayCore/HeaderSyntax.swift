/// The two checks that keep a header field from changing a message's
/// framing: its name is an RFC 9110 token, and its value holds no CR, LF or
/// NUL. Whoever writes header bytes onto a wire (to the upstream, or back to
/// the client) runs them first.
///
/// Both scan UTF-8 bytes in place (a native string's own storage, not a
/// copy) with a table lookup and no allocation: they run for every header
/// of every request and response.
public enum HeaderSyntax {
    /// `tchar` of RFC 9110 §5.6.2, indexed by byte.
    private static let tokenBytes: [Bool] = (0..<256).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(UInt8(byte))
        }
    }

    public static func isToken(_ text: String) -> Bool {
        text.withUTF8Bytes { isToken($0) }
    }

    public static func isToken(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        return tokenBytes.withUnsafeBufferPointer { table in
            for byte in bytes where !table[Int(byte)] { return false }
            return true
        }
    }

    public static func isSafeValue(_ text: String) -> Bool {
        text.withUTF8Bytes { isSafeValue($0) }
    }

    public static func isSafeValue(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // Every byte above CR passes on the first comparison.
        for byte in bytes where byte <= 0x0D && (byte == 0x0D || byte == 0x0A || byte == 0x00) { return false }
        return true
    }
}
