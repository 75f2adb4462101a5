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
    /// `Connection` names.
    public static func strip(_ headers: [HeaderField]) -> [HeaderField] {
        // The common case, no `Connection` header naming extra fields, is on
        // every request and response: compare names in place, allocating
        // nothing per header.
        guard headers.contains(where: { $0.name.caseInsensitiveEquals("connection") }) else {
            guard headers.contains(where: { isFixed($0.name) }) else { return headers }
            return headers.filter { !isFixed($0.name) }
        }
        var named = fixed
        for value in headers.values(named: "connection") {
            for token in value.split(separator: ",") {
                named.insert(String(token).trimmingASCIIWhitespace().asciiLowercased)
            }
        }
        return headers.filter { !named.contains($0.name.asciiLowercased) }
    }

    /// True for the hop-by-hop names every message loses, in any case.
    static func isFixed(_ name: String) -> Bool {
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

extension String {
    /// Trims spaces and tabs (HTTP's optional white space) from both ends.
    public func trimmingASCIIWhitespace() -> String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if start == 0 && end == bytes.count { return self }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
