/// Redis Cluster's key-to-slot function: CRC16 (XMODEM) of the key, or of
/// its hash tag, modulo 16384. It must match the server bit for bit, or
/// every command lands on the wrong node and comes back MOVED.
public enum RedisKeySlot {
    public static let count = 16384

    /// The slot of `key`. When the key holds a hash tag (the bytes between
    /// the first `{` and the first `}` after it, if there are any), only the
    /// tag is hashed, which is how a record and its fencing counter share a
    /// slot.
    public static func slot(of key: [UInt8]) -> Int {
        Int(crc16(hashedPart(of: key)) & 0x3FFF)
    }

    public static func slot(of key: String) -> Int {
        slot(of: Array(key.utf8))
    }

    /// The bytes Redis hashes for `key`: the hash tag, or the whole key when
    /// there is no `{`, no `}` after it, or nothing between them.
    static func hashedPart(of key: [UInt8]) -> ArraySlice<UInt8> {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")),
              let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
              close > open + 1
        else { return key[...] }
        return key[(open + 1)..<close]
    }

    /// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, no
    /// reflection; the variant Redis's cluster specification names.
    static func crc16<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 {
            crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }
}
