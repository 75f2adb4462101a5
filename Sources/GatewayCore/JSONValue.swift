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

    /// What `key_json` accepts as a key: a string's text, or a number
    /// written as an integer (no fraction or exponent), read as written.
    var keyText: String? {
        switch self {
        case .string(let text):
            return text
        case .number(let text):
            let integer = !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
            return integer ? text : nil
        default:
            return nil
        }
    }
}
