/// A parsed JSON value, kept as RFC 8785 canonicalisation needs it: numbers
/// as their source text, so no precision is lost before they are formatted
/// once, and object members in source order.
public indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// The number exactly as written in the body.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(name: String, value: JSONValue)])

    /// True for a number written as an integer (no fraction or exponent):
    /// such a number can be a key, read as written.
    var isIntegerLiteral: Bool {
        guard case .number(let text) = self else { return false }
        return !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }
}
