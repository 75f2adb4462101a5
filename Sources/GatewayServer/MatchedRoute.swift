import GatewayCore

/// The route a request runs under, shared by reference between the task
/// that runs the pipeline and the completion that writes and records the
/// answer: a `Route` is a large value, and every copy of it retains each of
/// its strings and arrays (about 400 instructions a copy, several copies a
/// request when it travelled by value).
final class MatchedRoute: Sendable {
    let route: Route

    init(_ route: Route) {
        self.route = route
    }
}
