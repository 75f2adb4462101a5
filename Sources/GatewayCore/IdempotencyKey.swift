/// A client's idempotency key, validated as the IETF Idempotency-Key draft
/// describes: an RFC 8941 string. A bare token is accepted too, because most
/// clients send `Idempotency-Key: abc` rather than `"abc"`.
public struct IdempotencyKey: Sendable, Hashable {
    /// The key after unquoting; never empty, at most `maximumLength` characters.
    public let value: String

    /// Longer keys are refused: they would only be hashed anyway, and a limit
    /// stops a client from making the gateway hash megabytes per request.
    public static let maximumLength = 255

    /// Why a header value is not a usable key.
    public enum Invalid: Error, Sendable, Equatable {
        case empty
        case tooLong(length: Int)
        case invalidCharacter(position: Int)
        case malformedQuotedString

        /// A sentence for the problem+json `detail`.
        public var explanation: String {
            switch self {
            case .empty:
                return "the idempotency key is empty"
            case .tooLong(let length):
                return "the idempotency key is \(length) characters long; at most \(IdempotencyKey.maximumLength) are allowed"
            case .invalidCharacter(let position):
                return "the idempotency key has a character that is not visible ASCII at position \(position)"
            case .malformedQuotedString:
                return "the idempotency key starts with a quote but is not a valid RFC 8941 string"
            }
        }
    }

    /// Parses a raw header value. White space around the value is not part of
    /// the key (RFC 9110 field values are trimmed).
    public static func parse(_ raw: String) -> Result<IdempotencyKey, Invalid> {
        let bytes = Array(raw.trimmingASCIIWhitespace().utf8)
        if bytes.first == UInt8(ascii: "\"") {
            return parseQuoted(bytes)
        }
        if bytes.isEmpty { return .failure(.empty) }
        if bytes.count > maximumLength { return .failure(.tooLong(length: bytes.count)) }
        for (index, byte) in bytes.enumerated() where byte < 0x21 || byte > 0x7E {
            return .failure(.invalidCharacter(position: index))
        }
        return .success(IdempotencyKey(value: String(decoding: bytes, as: UTF8.self)))
    }

    /// A key read from a JSON body (`key_json`): already unquoted, so it is
    /// held to what a quoted header key may contain: 1 to `maximumLength`
    /// printable ASCII characters, space included.
    public static func parse(decoded value: String) -> Result<IdempotencyKey, Invalid> {
        let bytes = Array(value.utf8)
        if bytes.isEmpty { return .failure(.empty) }
        if bytes.count > maximumLength { return .failure(.tooLong(length: bytes.count)) }
        for (index, byte) in bytes.enumerated() where byte < 0x20 || byte > 0x7E {
            return .failure(.invalidCharacter(position: index))
        }
        return .success(IdempotencyKey(value: value))
    }

    /// RFC 8941 §3.3.3: `"` then printable ASCII (space included), with `\"` and
    /// `\\` as the only escapes, then `"` and nothing after it.
    private static func parseQuoted(_ bytes: [UInt8]) -> Result<IdempotencyKey, Invalid> {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count,
                      bytes[index + 1] == UInt8(ascii: "\"") || bytes[index + 1] == UInt8(ascii: "\\")
                else { return .failure(.malformedQuotedString) }
                out.append(bytes[index + 1])
                index += 2
                continue
            }
            if byte == UInt8(ascii: "\"") {
                guard index == bytes.count - 1 else { return .failure(.malformedQuotedString) }
                if out.isEmpty { return .failure(.empty) }
                if out.count > maximumLength { return .failure(.tooLong(length: out.count)) }
                return .success(IdempotencyKey(value: String(decoding: out, as: UTF8.self)))
            }
            if byte < 0x20 || byte > 0x7E { return .failure(.invalidCharacter(position: index)) }
            out.append(byte)
            index += 1
        }
        return .failure(.malformedQuotedString)
    }

    private init(value: String) {
        self.value = value
    }
}
