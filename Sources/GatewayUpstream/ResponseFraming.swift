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
struct ResponseFraming {
    private var contentLength: Int?
    private var hasTransferEncoding = false

    /// Why the header line (without its line ending) is unacceptable, or nil.
    mutating func problem(inLine line: UnsafeRawBufferPointer) -> String? {
        if line.contains(0) { return "NUL in a header line" }
        if line.contains(UInt8(ascii: "\r")) { return "bare CR in a header line" }
        // Obsolete folding continues the previous value; its bytes were just checked.
        if line[0] == UInt8(ascii: " ") || line[0] == UInt8(ascii: "\t") { return nil }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return "header line without a colon" }
        let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        guard name.withMemoryRebound(to: UInt8.self, { HeaderSyntax.isToken($0) }) else {
            return "header name is not a token"
        }
        if colon == 17, String(decoding: name, as: UTF8.self).caseInsensitiveEquals("transfer-encoding") {
            hasTransferEncoding = true
        } else if colon == 14, String(decoding: name, as: UTF8.self).caseInsensitiveEquals("content-length") {
            guard let length = Self.length(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])) else {
                return "invalid Content-Length"
            }
            if let earlier = contentLength, earlier != length { return "two different Content-Length values" }
            contentLength = length
        }
        if hasTransferEncoding, contentLength != nil { return "both Content-Length and Transfer-Encoding" }
        return nil
    }

    /// The value of a Content-Length field: digits only, or a list of the
    /// same digits repeated (RFC 9110 §8.6 lets a recipient accept that).
    private static func length(_ value: UnsafeRawBufferPointer) -> Int? {
        var result: Int?
        for item in value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            let digits = String(decoding: item, as: UTF8.self).trimmingASCIIWhitespace().utf8
            guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                return nil
            }
            let number = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            if let result, result != number { return nil }
            result = number
        }
        return result
    }
}
