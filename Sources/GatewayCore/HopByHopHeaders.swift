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
        var named = fixed
        for value in headers.values(named: "connection") {
            for token in value.split(separator: ",") {
                named.insert(String(token).trimmingASCIIWhitespace().asciiLowercased)
            }
        }
        return headers.filter { !named.contains($0.name.asciiLowercased) }
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
