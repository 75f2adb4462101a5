/// A strict RFC 8259 parser for request bodies, with the I-JSON (RFC 7493)
/// restrictions RFC 8785 relies on: invalid UTF-8, lone surrogates and
/// duplicate member names are refused rather than guessed at, because two
/// gateways (or two versions of one) must never canonicalise the same bytes
/// differently. Foundation's parser would lose the number text and accept
/// duplicates, so we keep our own.
public struct JSONParser {
    /// Deeper bodies are refused: the parser recurses, and a hostile body of
    /// nested brackets must not exhaust the stack.
    public static let maximumDepth = 128

    /// The body, borrowed for the parse: reading through a buffer pointer
    /// spares a retain and release of the array on every byte.
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses a whole body: one value with optional white space around it
    /// and nothing else.
    public static func parse(_ body: [UInt8]) throws(JSONError) -> JSONValue {
        let result = body.withUnsafeBufferPointer { buffer -> Result<JSONValue, JSONError> in
            var parser = JSONParser(buffer)
            return Result { () throws(JSONError) in try parser.document() }
        }
        return try result.get()
    }

    private mutating func document() throws(JSONError) -> JSONValue {
        skipWhitespace()
        let value = try value()
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected text after the JSON value") }
        return value
    }

    private func failure(_ reason: String) -> JSONError {
        JSONError(offset: index, reason)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func value() throws(JSONError) -> JSONValue {
        guard let byte = current else { throw failure("unexpected end of the body") }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONError) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes.count - index >= expected.count, bytes[index..<index + expected.count].elementsEqual(expected)
        else { throw failure("unexpected character") }
        index += expected.count
    }

    private mutating func enter() throws(JSONError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func object() throws(JSONError) -> JSONValue {
        try enter()
        index += 1
        var members: [(name: String, value: JSONValue)] = []
        var names: Set<[UInt8]>?
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            guard current == UInt8(ascii: "\"") else { throw failure("expected a member name") }
            let nameStart = index
            let name = try string()
            try Self.checkUnique(name, among: members, hashed: &names, at: nameStart)
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':'") }
            index += 1
            skipWhitespace()
            members.append((name, try value()))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1; skipWhitespace()
            case UInt8(ascii: "}"): index += 1; depth -= 1; return .object(members)
            default: throw failure("expected ',' or '}'")
            }
        }
    }

    /// Names compare as code points: Swift's String equality would call
    /// canonically equivalent spellings one name. Small objects are checked
    /// by scanning; past 16 members a set of the names' bytes takes over.
    private static func checkUnique(_ name: String, among members: [(name: String, value: JSONValue)],
                                    hashed names: inout Set<[UInt8]>?, at offset: Int) throws(JSONError) {
        let duplicate: Bool
        if members.count < 16 {
            duplicate = members.contains { $0.name.utf8.elementsEqual(name.utf8) }
        } else {
            if names == nil { names = Set(members.map { Array($0.name.utf8) }) }
            duplicate = !names!.insert(Array(name.utf8)).inserted
        }
        if duplicate { throw JSONError(offset: offset, "duplicate member name \(JSONText.quote(name))") }
    }

    private mutating func array() throws(JSONError) -> JSONValue {
        try enter()
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try value())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1; skipWhitespace()
            case UInt8(ascii: "]"): index += 1; depth -= 1; return .array(elements)
            default: throw failure("expected ',' or ']'")
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
    private mutating func number() throws(JSONError) -> String {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else {
            guard try digits() > 0 else { throw failure("expected a digit") }
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard try digits() > 0 else { throw failure("expected a digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard try digits() > 0 else { throw failure("expected a digit in the exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func digits() throws(JSONError) -> Int {
        let start = index
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }

    /// A string's content, unescaped. Raw bytes are checked as UTF-8 in one
    /// pass at the end; escapes are decoded as they come, and a `\u`
    /// surrogate must be a correctly ordered pair.
    private mutating func string() throws(JSONError) -> String {
        let start = index
        index += 1
        // Most strings are plain ASCII without escapes: taken as they are,
        // with no copy to unescape and no UTF-8 check.
        var end = index
        while end < bytes.count, bytes[end] >= 0x20, bytes[end] < 0x80, bytes[end] != UInt8(ascii: "\\"),
              bytes[end] != UInt8(ascii: "\"") {
            end += 1
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            index = end + 1
            return String(decoding: bytes[start + 1..<end], as: UTF8.self)
        }
        var out: [UInt8] = Array(bytes[start + 1..<end])
        index = end
        while true {
            guard let byte = current else { throw JSONError(offset: start, "unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: out, as: UTF8.self) else {
                    throw JSONError(offset: start, "string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                try escape(into: &out)
            case 0..<0x20:
                throw failure("unescaped control character in a string")
            default:
                out.append(byte)
                index += 1
            }
        }
    }

    private mutating func escape(into out: inout [UInt8]) throws(JSONError) {
        guard let byte = current else { throw failure("unterminated escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(byte)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            let escapeStart = index - 2
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                else { throw JSONError(offset: escapeStart, "lone surrogate in a \\u escape") }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw JSONError(offset: escapeStart, "lone surrogate in a \\u escape")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw JSONError(offset: escapeStart, "lone surrogate in a \\u escape")
            }
            // Every value left is a valid scalar: surrogates were handled above.
            out.append(contentsOf: String(Unicode.Scalar(scalar)!).utf8)
        default:
            throw failure("invalid escape")
        }
    }

    private mutating func hex4() throws(JSONError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw failure("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid hex digit in a \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
