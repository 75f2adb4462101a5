/// A support request's key (admin key API, `idempotency-gateway key`)
/// resolved to the store key exactly as a client request's key is
/// (`RequestPipeline.admit`): the route's name, the values of the route's
/// scope headers, and the key parsed as the header would be.
public struct KeyLookup: Sendable {
    public let route: Route
    public let policy: IdempotencyPolicy
    public let storeKey: StoreKey

    /// Why a lookup names no store key; `message` is for the caller.
    public enum Failure: Error, Sendable, Equatable {
        case unknownRoute(String)
        case notIdempotent(String)
        case invalidKey(IdempotencyKey.Invalid)
        case unknownScope(header: String, route: String, allowed: [String])

        public var message: String {
            switch self {
            case .unknownRoute(let name):
                return "no route is named \"\(name)\""
            case .notIdempotent(let name):
                return "route \"\(name)\" has no idempotency block, so it stores no keys"
            case .invalidKey(let reason):
                return reason.explanation
            case .unknownScope(let header, let route, let allowed):
                let list = allowed.isEmpty ? "it has none" : "its scope headers are " + allowed.joined(separator: ", ")
                return "\(header) is not a scope header of route \"\(route)\"; \(list)"
            }
        }
    }

    /// - Parameter scope: header name and value pairs; a header given twice
    ///   is joined with ", ", as repeated request headers are. A scope
    ///   header not given counts as absent from the request.
    public static func resolve(route name: String, key raw: String, scope: [(name: String, value: String)],
                               routes: [Route], keyPrefix: String) -> Result<KeyLookup, Failure> {
        guard let route = routes.first(where: { $0.name == name }) else { return .failure(.unknownRoute(name)) }
        guard let policy = route.idempotency else { return .failure(.notIdempotent(name)) }
        let allowed = Set(policy.scopeHeaders.map { $0.lowercased() })
        if let stray = scope.first(where: { !allowed.contains($0.name.lowercased()) }) {
            return .failure(.unknownScope(header: stray.name, route: name, allowed: policy.scopeHeaders))
        }
        let key: IdempotencyKey
        switch IdempotencyKey.parse(raw) {
        case .success(let parsed): key = parsed
        case .failure(let reason): return .failure(.invalidKey(reason))
        }
        let values: [String?] = policy.scopeHeaders.map { header in
            let given = scope.filter { $0.name.lowercased() == header.lowercased() }.map(\.value)
            return given.isEmpty ? nil : given.joined(separator: ", ")
        }
        let storeKey = StoreKey(prefix: keyPrefix, route: name, scope: values, key: key)
        return .success(KeyLookup(route: route, policy: policy, storeKey: storeKey))
    }
}
