/// RFC 8785 (JCS) serialisation: members sorted by the UTF-16 code units of
/// their names, no insignificant white space, numbers as ECMAScript writes
/// them and strings with the minimal escaping. Two requests that mean the
/// same JSON give the same bytes, so a JSON fingerprint hashes these.
public enum CanonicalJSON {
    /// `capacity`: the expected size, e.g. the body's, to grow the output once.
    public static func encode(_ value: JSONValue, capacity: Int = 0) throws(JSONError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        try write(value, into: &out)
        return out
    }

    private static func write(_ value: JSONValue, into out: inout [UInt8]) throws(JSONError) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let text):
            guard let canonical = CanonicalNumber.format(literal: text) else {
                throw JSONError(offset: nil, "the number \(text) is outside the range of an IEEE-754 double")
            }
            out.append(contentsOf: canonical.utf8)
        case .string(let text): writeString(text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                try write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // Sorting positions moves integers, not members.
            let order = members.indices.sorted { precedes(members[$0].name, members[$1].name) }
            for (position, index) in order.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                writeString(members[index].name, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(members[index].value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// UTF-16 code unit order. UTF-8 byte order is code point order, which
    /// is the same except between U+E000…U+FFFF and the supplementary
    /// planes (surrogates sort below U+E000), so bytes decide unless the
    /// first difference involves a lead byte of 0xEE or more.
    static func precedes(_ a: String, _ b: String) -> Bool {
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?):
                if x == y { continue }
                if x >= 0xEE || y >= 0xEE { return a.utf16.lexicographicallyPrecedes(b.utf16) }
                return x < y
            }
        }
    }

    /// RFC 8785 §3.2.2.2: the two-character escapes where ECMAScript has
    /// them, `\u00xx` (lower-case hex) for the other control characters,
    /// every other character as itself in UTF-8.
    static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
