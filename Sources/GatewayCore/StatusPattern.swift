/// One entry of `store_statuses`: an exact code (`404`) or a class (`2xx`).
public enum StatusPattern: Sendable, Hashable, CustomStringConvertible {
    case exact(Int)
    case statusClass(Int)

    public init?(parsing text: String) {
        let t = text.trimmingASCIIWhitespace().asciiLowercased
        if t.count == 3, t.hasSuffix("xx"), let first = Int(t.prefix(1)), (1...5).contains(first) {
            self = .statusClass(first)
        } else if t.count == 3, let code = Int(t), (100...599).contains(code) {
            self = .exact(code)
        } else {
            return nil
        }
    }

    public func matches(_ status: Int) -> Bool {
        switch self {
        case .exact(let code): return status == code
        case .statusClass(let first): return status / 100 == first
        }
    }

    public var description: String {
        switch self {
        case .exact(let code): return String(code)
        case .statusClass(let first): return "\(first)xx"
        }
    }
}
