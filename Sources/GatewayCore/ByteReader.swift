/// Reads what `ByteWriter` wrote. Every read is bounds-checked and returns nil
/// on a short or corrupt record, so a damaged value in the store becomes a
/// decoding error instead of a crash.
public struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isAtEnd: Bool { offset == bytes.count }

    public mutating func readByte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readUInt32() -> UInt32? {
        guard let raw = readRaw(count: 4) else { return nil }
        return raw.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func readUInt64() -> UInt64? {
        guard let raw = readRaw(count: 8) else { return nil }
        return raw.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func readRaw(count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, bytes.count - offset >= count else { return nil }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    public mutating func readField() -> ArraySlice<UInt8>? {
        guard let length = readUInt32() else { return nil }
        return readRaw(count: Int(length))
    }
}
