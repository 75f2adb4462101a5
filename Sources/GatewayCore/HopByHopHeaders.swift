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
    /// `Connection` stay substrings of its value, and a token that names a
    /// field every message loses anyway (keep-alive, close) is not looked
    /// for twice.
    public static func strip(_ headers: [HeaderField], protecting isProtected: (Substring) -> Bool = { _ in false }) -> [HeaderField] {
        strip(headers, protecting: isProtected, alsoRemoving: { _ in false })
    }

    /// `strip`, and every field `isExtra` picks too, in the same pass: an
    /// upstream response also loses its Content-Length, which the gateway
    /// writes itself, and the headers only the gateway may write.
    public static func strip(_ headers: [HeaderField], protecting isProtected: (Substring) -> Bool = { _ in false },
                             alsoRemoving isExtra: (String) -> Bool) -> [HeaderField] {
        guard headers.contains(where: { isFixed($0.name) || isExtra($0.name) }) else { return headers }
        var named: [Substring] = []
        for field in headers where field.name.caseInsensitiveEquals("connection") {
            for token in field.value.split(separator: ",") {
                let name = token.trimmingASCIIWhitespace()
                if !name.isEmpty, !isFixed(name), !name.caseInsensitiveEquals("close"), !isProtected(name) {
                    named.append(name)
                }
            }
        }
        var kept: [HeaderField] = []
        kept.reserveCapacity(headers.count)
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
