/// One decoded RESP2 reply. Bulk strings stay bytes: records are binary.
public enum RedisReply: Sendable, Hashable {
    /// A simple string such as `OK` or `PONG`.
    case status(String)
    /// An error reply such as `ERR ...` or `NOSCRIPT ...`. The connection
    /// stays usable; `RedisStore` turns it into `StoreUnavailable`.
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    /// A nil bulk string or nil array (missing key, Lua `false`).
    case null
    case array([RedisReply])
}

extension RedisReply {
    /// The bulk bytes read as UTF-8, or the status text; nil otherwise.
    /// Convenient for tests and tools.
    public var string: String? {
        switch self {
        case .status(let text): return text
        case .bulk(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }

    /// True for an error reply starting with `code` (`NOSCRIPT`, `WRONGPASS` ...).
    func isError(_ code: String) -> Bool {
        guard case .error(let message) = self else { return false }
        return message.hasPrefix(code)
    }
}
