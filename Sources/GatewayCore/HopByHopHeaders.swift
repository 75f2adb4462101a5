/// Removes the headers that describe one connection rather than the message
/// (RFC 9110 §7.6.1). A proxy that forwarded them would let a client steer the
/// gateway's own connection to the upstream, or smuggle framing through it.
public enum HopByHopHeaders {
    /// Always connection-specific, whatever `Connection` says.
    public static let fixed: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade",
    ]

    /// `headers` without hop-by-hop fields, including every field that
    /// `Connection` names, except those `isProtected` picks: a client must not be
    /// able to strip the idempotency key or the gateway's own headers by
    /// naming them in `Connection`.
    ///
    /// This runs on every request and every upstream response, and nearly
    /// every upstream response carries `Connection: keep-alive`, so it
    /// compares names in place and allocates only the result: the tokens of
    /// `Connection` are read as bytes of its value (a token becomes a string
    /// only when it names a field to remove), and a token that names a field
    /// every message loses anyway (keep-alive, close) is not looked for twice.
    public static func strip(_ headers: [HeaderField], protecting isProtected: (Substring) -> Bool = { _ in false }) -> [HeaderField] {
        strip(headers, protecting: isProtected, alsoRemoving: { _ in false })
    }

    /// `strip`, and every field `isExtra` picks too, in the same pass: an
    /// upstream response also loses its Content-Length, which the gateway
    /// writes itself, and the headers only the gateway may write; a request,
    /// those the transport sets itself. The result has room for
    /// `reservingExtra` more fields, for a caller that appends its own.
    public static func strip(_ headers: [HeaderField], protecting isProtected: (Substring) -> Bool = { _ in false },
                             alsoRemoving isExtra: (String) -> Bool, reservingExtra extra: Int = 0) -> [HeaderField] {
        guard headers.contains(where: { isFixed($0.name) || isExtra($0.name) }) else { return headers }
        var named: [String] = []
        for field in headers where field.name.utf8.count == 10 && field.name.caseInsensitiveEquals("connection") {
            var value = field.value
            value.withUTF8 { bytes in
                var start = 0
                while start <= bytes.count {
                    var end = start
                    while end < bytes.count, bytes[end] != UInt8(ascii: ",") { end += 1 }
                    let token = UnsafeBufferPointer(rebasing: bytes[start..<end]).trimmingASCIIWhitespace()
                    if !token.isEmpty, !isFixed(token), !equals(token, "close") {
                        let name = String(decoding: token, as: UTF8.self)
                        if !isProtected(Substring(name)) { named.append(name) }
                    }
                    start = end + 1
                }
            }
        }
        var kept: [HeaderField] = []
        kept.reserveCapacity(headers.count + extra)
        for field in headers where !isFixed(field.name) && !isExtra(field.name) {
            if !named.isEmpty, named.contains(where: { $0.caseInsensitiveEquals(field.name) }) { continue }
            kept.append(field)
        }
        return kept
    }

    /// True for the hop-by-hop names every message loses, in any case.
    static func isFixed<Name: StringProtocol>(_ name: Name) -> Bool {
        switch name.utf8.count {
        case 2: return name.caseInsensitiveEquals("te")
        case 7: return name.caseInsensitiveEquals("trailer") || name.caseInsensitiveEquals("upgrade")
        case 10: return name.caseInsensitiveEquals("connection") || name.caseInsensitiveEquals("keep-alive")
        case 16: return name.caseInsensitiveEquals("proxy-connection")
        case 17: return name.caseInsensitiveEquals("transfer-encoding")
        default: return false
        }
    }

    /// `isFixed` for the bytes of a `Connection` token.
    static func isFixed(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        switch name.count {
        case 2: return equals(name, "te")
        case 7: return equals(name, "trailer") || equals(name, "upgrade")
        case 10: return equals(name, "connection") || equals(name, "keep-alive")
        case 16: return equals(name, "proxy-connection")
        case 17: return equals(name, "transfer-encoding")
        default: return false
        }
    }

    /// Bytes against a lowercase name, ignoring ASCII case.
    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { bytes.count == $0.count && asciiCaseInsensitiveEqual(bytes, $0) }
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Trims spaces and tabs (HTTP's optional white space) from both ends.
    func trimmingASCIIWhitespace() -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = count
        while start < end, self[start] == 0x20 || self[start] == 0x09 { start += 1 }
        while end > start, self[end - 1] == 0x20 || self[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: self[start..<end])
    }
}

extension StringProtocol where UTF8View: BidirectionalCollection {
    /// Trims spaces and tabs (HTTP's optional white space) from both ends.
    public func trimmingASCIIWhitespace() -> SubSequence {
        let bytes = utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start = bytes.index(after: start) }
        while end > start {
            let last = bytes.index(before: end)
            guard bytes[last] == 0x20 || bytes[last] == 0x09 else { break }
            end = last
        }
        return self[start..<end]
    }
}
