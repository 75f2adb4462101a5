import GatewayCore

/// The `X-Request-Id` of a request: the client's when it sent a sane one, so
/// ids correlate across systems, otherwise a fresh unique one.
enum RequestID {
    static func resolve(_ supplied: String?) -> String {
        if let supplied, isAcceptable(supplied) { return supplied }
        return generate()
    }

    /// At most 128 visible ASCII characters: it is echoed in a header and
    /// written to logs, so nothing else is taken from the client.
    static func isAcceptable(_ value: String) -> Bool {
        let bytes = value.utf8
        return !bytes.isEmpty && bytes.count <= 128 && bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }

    /// 128 unique bits (`UniqueBits`) as 32 hex digits.
    static func generate() -> String {
        HexText.encode(UniqueBits.nextBytes())
    }
}
