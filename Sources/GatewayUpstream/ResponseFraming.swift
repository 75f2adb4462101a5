#if canImport(Glibc)
internal import Glibc
#endif
internal import GatewayCore

/// The checks libcurl 7.88 leaves out of a response header block, each of
/// which it was seen to accept on the wire (UpstreamResponseCorpusTests):
/// two different `Content-Length` values (it used the last), a list or a sign
/// in one (`2, 5` and `+2` read as 2), `Content-Length` beside
/// `Transfer-Encoding` (chunked wins), a bare CR inside a line (passed on
/// whole, a response-splitting hazard once written to the client) and a field
/// name that is not a token (`X-A : b` gave the name `X-A `).
///
/// Any of these means the framing cannot be trusted: the response is refused
/// as malformed (502, never stored) and, because the transfer is aborted,
/// libcurl closes the connection instead of reusing it. One instance per
/// header block; a new status line starts a new one.
///
/// Each line is read in place, no string made: the colon found here is
/// where the collector then splits it.
struct ResponseFraming {
    /// What a header line is, once checked.
    enum Line: Equatable {
        /// `name:value`, the name a token; `length` is set for a valid
        /// Content-Length field.
        case field(colon: Int, length: Int?)
        /// Obsolete folding: continues the previous field's value.
        case continuation
        /// The response cannot be trusted, for this reason.
        case malformed(String)
    }

    private var contentLength: Int?
    private var hasTransferEncoding = false

    /// Checks one header line (without its line ending, not empty).
    mutating func inspect(_ line: UnsafeRawBufferPointer) -> Line {
        // memchr, not a loop: three vectorised scans of a short line cost
        // less than one bytewise pass that tests each byte three ways.
        let base = line.baseAddress!
        if memchr(base, 0, line.count) != nil { return .malformed("NUL in a header line") }
        if memchr(base, Int32(UInt8(ascii: "\r")), line.count) != nil { return .malformed("bare CR in a header line") }
        // Obsolete folding continues the previous value; its bytes were just checked.
        if line[0] == UInt8(ascii: " ") || line[0] == UInt8(ascii: "\t") { return .continuation }
        guard let found = memchr(base, Int32(UInt8(ascii: ":")), line.count) else {
            return .malformed("header line without a colon")
        }
        let colon = base.distance(to: UnsafeRawPointer(found))
        let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        guard name.withMemoryRebound(to: UInt8.self, { HeaderSyntax.isToken($0) }) else {
            return .malformed("header name is not a token")
        }
        var length: Int?
        if colon == 17, Self.nameIs(name, "transfer-encoding") {
            hasTransferEncoding = true
        } else if colon == 14, Self.nameIs(name, "content-length") {
            guard let value = Self.length(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])) else {
                return .malformed("invalid Content-Length")
            }
            if let earlier = contentLength, earlier != value { return .malformed("two different Content-Length values") }
            contentLength = value
            length = value
        }
        if hasTransferEncoding, contentLength != nil { return .malformed("both Content-Length and Transfer-Encoding") }
        return .field(colon: colon, length: length)
    }

    /// A field name against a lowercase name of the same length, ignoring
    /// ASCII case.
    private static func nameIs(_ name: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { expected in
            guard expected.count == name.count else { return false }
            for index in 0..<name.count {
                let byte = name[index]
                let lowered = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
                if lowered != expected[index] { return false }
            }
            return true
        }
    }

    /// The value of a Content-Length field: digits only, or a list of the
    /// same digits repeated (RFC 9110 §8.6 lets a recipient accept that),
    /// each item trimmed of spaces and tabs.
    private static func length(_ value: UnsafeRawBufferPointer) -> Int? {
        var result: Int?
        var itemStart = 0
        while true {
            var itemEnd = itemStart
            while itemEnd < value.count, value[itemEnd] != UInt8(ascii: ",") { itemEnd += 1 }
            var start = itemStart
            var end = itemEnd
            while start < end, value[start] == UInt8(ascii: " ") || value[start] == UInt8(ascii: "\t") { start += 1 }
            while end > start, value[end - 1] == UInt8(ascii: " ") || value[end - 1] == UInt8(ascii: "\t") { end -= 1 }
            guard end > start, end - start <= 18 else { return nil }
            var number = 0
            for index in start..<end {
                let digit = value[index] &- UInt8(ascii: "0")
                guard digit <= 9 else { return nil }
                number = number * 10 + Int(digit)
            }
            if let result, result != number { return nil }
            result = number
            guard itemEnd < value.count else { return result }
            itemStart = itemEnd + 1
        }
    }
}
