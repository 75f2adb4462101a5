/// Appends length-prefixed fields to a byte array. Records in the store use
/// this compact binary form instead of JSON: a replay decodes one record per
/// request, and bodies stay bytes rather than base64.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ byte: UInt8) {
        bytes.append(byte)
    }

    public mutating func write(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func writeRaw<C: Collection>(_ data: C) where C.Element == UInt8 {
        bytes.append(contentsOf: data)
    }

    /// A 32-bit length, then the bytes.
    public mutating func writeField<C: Collection>(_ data: C) where C.Element == UInt8 {
        write(UInt32(data.count))
        bytes.append(contentsOf: data)
    }
}
