/// The routes in configuration order; the first that matches wins.
public struct RouteTable: Sendable {
    public let routes: [Route]
    /// Some route has `idempotency.async`: `GET /_operations/{id}` is then
    /// the gateway's own, and never reaches a route.
    public let servesOperations: Bool

    public init(_ routes: [Route]) {
        self.routes = routes
        servesOperations = routes.contains { $0.idempotency?.asyncAfter != nil }
    }

    public func route(method: String, path: String) -> Route? {
        routes.first { $0.match.matches(method: method, path: path) }
    }
}
