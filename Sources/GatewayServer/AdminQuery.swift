import GatewayCore

/// The query of a key API call: `scope.<Header>=<value>` pairs and `force`.
/// Anything else is refused rather than ignored: a misspelt scope parameter
/// would otherwise name another key, and support would purge the wrong one.
struct AdminQuery: Sendable, Equatable {
    var scope: [(name: String, value: String)] = []
    var force = false

    static func == (lhs: AdminQuery, rhs: AdminQuery) -> Bool {
        lhs.force == rhs.force && lhs.scope.map(\.name) == rhs.scope.map(\.name) && lhs.scope.map(\.value) == rhs.scope.map(\.value)
    }

    /// Parses `query` (form encoding: `%XX` escapes, `+` for a space).
    /// `allowsForce` is false for `GET`, where `force` means nothing.
    static func parse(_ query: String?, allowsForce: Bool) -> Result<AdminQuery, AdminQueryError> {
        var parsed = AdminQuery()
        guard let query, !query.isEmpty else { return .success(parsed) }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0], plusIsSpace: true),
                  let value = percentDecoded(parts.count > 1 ? parts[1] : "", plusIsSpace: true)
            else { return .failure(AdminQueryError("the query has a malformed %-escape")) }
            if name.hasPrefix("scope."), name.count > "scope.".count {
                parsed.scope.append((String(name.dropFirst("scope.".count)), value))
            } else if name == "force", allowsForce {
                guard value == "true" || value == "false" else {
                    return .failure(AdminQueryError("force must be true or false, not \"\(value)\""))
                }
                parsed.force = value == "true"
            } else {
                return .failure(AdminQueryError("unknown query parameter \"\(name)\"; use scope.<Header>=<value>"
                                                + (allowsForce ? " and force=true" : "")))
            }
        }
        return .success(parsed)
    }

    /// Nil for a `%` not followed by two hex digits, or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(HexText.digitValue), let low = iterator.next().flatMap(HexText.digitValue) else { return nil }
                bytes.append(high << 4 | low)
            } else if byte == UInt8(ascii: "+"), plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
