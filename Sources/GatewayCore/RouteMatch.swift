/// The `match` block of a route.
public struct RouteMatch: Sendable, Hashable {
    public enum PathRule: Sendable, Hashable {
        /// `path_prefix`: matches the prefix at a segment boundary, so
        /// `/v1/charges` matches `/v1/charges` and `/v1/charges/ch_1` but not
        /// `/v1/chargesX`. A prefix ending in `/` matches anything below it.
        case prefix(String)
        /// `path`: matches exactly.
        case exact(String)
    }

    public var path: PathRule
    /// Upper-case methods; nil matches any method.
    public var methods: Set<String>?

    public init(path: PathRule, methods: Set<String>? = nil) {
        self.path = path
        self.methods = methods
    }

    public func matches(method: String, path requestPath: String) -> Bool {
        if let methods, !methods.contains(method) { return false }
        switch path {
        case .exact(let exact):
            return requestPath == exact
        case .prefix(let prefix):
            guard requestPath.hasPrefix(prefix) else { return false }
            if prefix.hasSuffix("/") || requestPath.utf8.count == prefix.utf8.count { return true }
            return requestPath.utf8.dropFirst(prefix.utf8.count).first == UInt8(ascii: "/")
        }
    }
}
