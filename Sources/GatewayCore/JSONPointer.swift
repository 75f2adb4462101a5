/// An RFC 6901 JSON pointer (`/message/messageId`, `~1` for `/`, `~0` for
/// `~`): how a route names where a body's key is, and which members a JSON
/// fingerprint leaves out. Validated once, when the configuration is read.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The pointer as written in the configuration.
    public let text: String
    /// The unescaped reference tokens; empty for the whole document.
    public let tokens: [String]

    /// Why a string is not a JSON pointer.
    public enum Invalid: Error, Sendable, Equatable {
        case missingLeadingSlash
        case badEscape(position: Int)

        public var explanation: String {
            switch self {
            case .missingLeadingSlash:
                return "a JSON pointer is empty or starts with `/` (e.g. `/id`)"
            case .badEscape(let position):
                return "`~` at position \(position) must be followed by 0 (for `~`) or 1 (for `/`)"
            }
        }
    }

    public static func parse(_ text: String) -> Result<JSONPointer, Invalid> {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return .success(JSONPointer(text: text, tokens: [])) }
        guard bytes[0] == UInt8(ascii: "/") else { return .failure(.missingLeadingSlash) }
        var tokens: [String] = []
        var token: [UInt8] = []
        var index = 1
        while index <= bytes.count {
            if index == bytes.count || bytes[index] == UInt8(ascii: "/") {
                tokens.append(String(decoding: token, as: UTF8.self))
                token = []
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "~") {
                guard index + 1 < bytes.count else { return .failure(.badEscape(position: index)) }
                switch bytes[index + 1] {
                case UInt8(ascii: "0"): token.append(UInt8(ascii: "~"))
                case UInt8(ascii: "1"): token.append(UInt8(ascii: "/"))
                default: return .failure(.badEscape(position: index))
                }
                index += 2
                continue
            }
            token.append(bytes[index])
            index += 1
        }
        return .success(JSONPointer(text: text, tokens: tokens))
    }

    private init(text: String, tokens: [String]) {
        self.text = text
        self.tokens = tokens
    }

    public var description: String { text }

    /// The value the pointer refers to, or nil when it refers to nothing.
    public func value(in root: JSONValue) -> JSONValue? {
        var node = root
        for token in tokens {
            guard let next = Self.child(of: node, token) else { return nil }
            node = next
        }
        return node
    }

    /// `root` without the member (or array element) the pointer refers to;
    /// unchanged when it refers to nothing or to the whole document.
    public func removing(from root: JSONValue) -> JSONValue {
        guard !tokens.isEmpty else { return root }
        return Self.removing(tokens[...], from: root)
    }

    private static func removing(_ path: ArraySlice<String>, from node: JSONValue) -> JSONValue {
        let token = path[path.startIndex]
        let rest = path.dropFirst()
        switch node {
        case .object(var members):
            guard let position = members.firstIndex(where: { $0.name.utf8.elementsEqual(token.utf8) }) else { return node }
            if rest.isEmpty {
                members.remove(at: position)
            } else {
                members[position].value = removing(rest, from: members[position].value)
            }
            return .object(members)
        case .array(var elements):
            guard let position = arrayIndex(token), position < elements.count else { return node }
            if rest.isEmpty {
                elements.remove(at: position)
            } else {
                elements[position] = removing(rest, from: elements[position])
            }
            return .array(elements)
        default:
            return node
        }
    }

    /// Member names compare as code points, not by Swift's canonical
    /// equivalence, so `/é` never matches a differently composed name.
    private static func child(of node: JSONValue, _ token: String) -> JSONValue? {
        switch node {
        case .object(let members):
            return members.first { $0.name.utf8.elementsEqual(token.utf8) }?.value
        case .array(let elements):
            guard let position = arrayIndex(token), position < elements.count else { return nil }
            return elements[position]
        default:
            return nil
        }
    }

    /// RFC 6901 array indices: `0` or digits without a leading zero; `-`
    /// (past the end) refers to nothing.
    private static func arrayIndex(_ token: String) -> Int? {
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty, bytes.count <= 18, bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              bytes.count == 1 || bytes[0] != UInt8(ascii: "0")
        else { return nil }
        return Int(token)
    }
}
