/// A W3C Trace Context `traceparent` value (https://www.w3.org/TR/trace-context/):
/// `VERSION-TRACEID-PARENTID-FLAGS` in lowercase hex. Parsed and written by
/// hand: it is read on every request, and a general parser would cost more
/// than the rest of the header handling.
public struct TraceParent: Sendable, Equatable {
    /// The 128-bit trace id, high half first.
    public var traceHigh: UInt64
    public var traceLow: UInt64
    /// The span id of the caller (the parent of whoever receives this value).
    public var spanID: UInt64
    /// Bit 0 is `sampled`.
    public var flags: UInt8

    public init(traceHigh: UInt64, traceLow: UInt64, spanID: UInt64, flags: UInt8) {
        self.traceHigh = traceHigh
        self.traceLow = traceLow
        self.spanID = spanID
        self.flags = flags
    }

    public var sampled: Bool { flags & 1 == 1 }

    /// Parses a received value. Nil for anything the spec calls invalid:
    /// a wrong length, uppercase hex, version `ff`, an all-zero trace or
    /// parent id. A version above 00 is read as 00 when its first 55
    /// characters fit (the spec's forward-compatibility rule).
    public static func parse(_ value: String) -> TraceParent? {
        var value = value
        return value.withUTF8 { (bytes: UnsafeBufferPointer<UInt8>) -> TraceParent? in
            guard bytes.count >= 55 else { return nil }
            guard let version = hex(bytes, 0, 2), version != 0xFF else { return nil }
            if version == 0 {
                guard bytes.count == 55 else { return nil }
            } else if bytes.count > 55, bytes[55] != UInt8(ascii: "-") {
                return nil
            }
            guard bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-"),
                  let high = hex(bytes, 3, 16), let low = hex(bytes, 19, 16), high | low != 0,
                  let span = hex(bytes, 36, 16), span != 0,
                  let flags = hex(bytes, 53, 2) else { return nil }
            return TraceParent(traceHigh: high, traceLow: low, spanID: span, flags: UInt8(flags))
        }
    }

    /// `count` lowercase hex digits from `start`, or nil.
    private static func hex(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> UInt64? {
        var value: UInt64 = 0
        for index in start..<(start + count) {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// The value as sent on: always version 00.
    public var header: String {
        String(unsafeUninitializedCapacity: 55) { out in
            out[0] = UInt8(ascii: "0")
            out[1] = UInt8(ascii: "0")
            out[2] = UInt8(ascii: "-")
            Self.write(traceHigh, digits: 16, into: out, at: 3)
            Self.write(traceLow, digits: 16, into: out, at: 19)
            out[35] = UInt8(ascii: "-")
            Self.write(spanID, digits: 16, into: out, at: 36)
            out[52] = UInt8(ascii: "-")
            Self.write(UInt64(flags), digits: 2, into: out, at: 53)
            return 55
        }
    }

    /// The trace id as 32 lowercase hex digits, as logs and collectors show it.
    public var traceIDHex: String {
        String(unsafeUninitializedCapacity: 32) { out in
            Self.write(traceHigh, digits: 16, into: out, at: 0)
            Self.write(traceLow, digits: 16, into: out, at: 16)
            return 32
        }
    }

    /// The span id as 16 lowercase hex digits.
    public static func hex(spanID: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { out in
            write(spanID, digits: 16, into: out, at: 0)
            return 16
        }
    }

    private static func write(_ value: UInt64, digits: Int, into out: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        var rest = value
        for index in stride(from: start + digits - 1, through: start, by: -1) {
            let digit = UInt8(rest & 0xF)
            out[index] = digit < 10 ? UInt8(ascii: "0") &+ digit : UInt8(ascii: "a") &+ digit &- 10
            rest >>= 4
        }
    }
}
