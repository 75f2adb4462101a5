/// The routes in configuration order; the first that matches wins.
public struct RouteTable: Sendable {
    public let routes: [Route]

    public init(_ routes: [Route]) {
        self.routes = routes
    }

    public func route(method: String, path: String) -> Route? {
        routes.first { $0.match.matches(method: method, path: path) }
    }
}
