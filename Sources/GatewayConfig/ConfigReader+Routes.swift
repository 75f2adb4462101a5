internal import Yams
import GatewayCore

/// The `routes` list.
extension ConfigReader {
    static let routeFields = ["name", "match", "upstream", "idempotency", "rate_limit"]
    static let matchFields = ["path_prefix", "path", "methods"]

    /// Routes in file order, since the first match wins, each bound to its
    /// upstream. A route with any problem is left out (and reported).
    /// `storeTimeout` bounds one store round trip; the lock_ttl check needs it.
    func routes(_ map: FieldMap, upstreams: (valid: [String: UpstreamSettings], declared: [String]),
                storeTimeout: Duration?) -> [Route] {
        let path = map.path("routes")
        guard let node = required(map, "routes"), let items = items(of: node, at: path) else { return [] }
        if items.isEmpty {
            report(path, "at least one route is required (a route with `path_prefix: /` forwards everything)")
        }
        var routes: [Route] = []
        var firstIndexByName: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let before = problems.count
            let routePath = path.index(index)
            guard let fields = fields(of: item, at: routePath, known: Self.routeFields) else { continue }
            let name = required(fields, "name").flatMap { text($0, at: fields.path("name"), expected: "a route name") }
            if let name {
                checkName(name, at: fields.path("name"))
                // Names key the store, so two routes sharing one would share records.
                if let first = firstIndexByName[name] {
                    report(fields.path("name"), "duplicate route name `\(name)` (also \(path.index(first)))")
                } else {
                    firstIndexByName[name] = index
                }
            }
            let match = required(fields, "match").flatMap { routeMatch($0, at: fields.path("match")) }
            let upstream = required(fields, "upstream").flatMap {
                resolveUpstream($0, at: fields.path("upstream"), upstreams: upstreams)
            }
            let idempotency = fields["idempotency"].flatMap {
                idempotencyPolicy($0, at: fields.path("idempotency"), storeTimeout: storeTimeout)
            }
            let rateLimit = fields["rate_limit"].flatMap {
                rateLimitPolicy($0, at: fields.path("rate_limit"), keyed: idempotency != nil)
            }
            if let after = idempotency?.asyncAfter, let upstream {
                checkAsyncAfter(after, upstream: upstream, at: fields.path("idempotency").appending("async").appending("after"))
            }
            if problems.count == before, let name, let match, let upstream {
                routes.append(Route(name: name, match: match, upstream: upstream, idempotency: idempotency, rateLimit: rateLimit))
            }
        }
        return routes
    }

    private func routeMatch(_ node: Node, at path: FieldPath) -> RouteMatch? {
        guard let fields = fields(of: node, at: path, known: Self.matchFields) else { return nil }
        let prefix = fields["path_prefix"].flatMap { routePath($0, at: fields.path("path_prefix")) }
        let exact = fields["path"].flatMap { routePath($0, at: fields.path("path")) }
        // Absent means every method, so "absent" and "invalid" must stay apart.
        let methodsNode = fields["methods"]
        let methods = methodsNode.flatMap {
            self.methods($0, at: fields.path("methods"), emptyHint: "remove the field to match every method")
        }
        let rule: RouteMatch.PathRule
        switch (fields.contains("path_prefix"), fields.contains("path")) {
        case (true, true):
            report(path, "set either `path_prefix` or `path`, not both")
            return nil
        case (false, false):
            report(path, "set `path_prefix` (or `path` for an exact match)")
            return nil
        case (true, false):
            guard let prefix else { return nil }
            rule = .prefix(prefix)
        case (false, true):
            guard let exact else { return nil }
            rule = .exact(exact)
        }
        if methodsNode != nil, methods == nil { return nil }
        return RouteMatch(path: rule, methods: methods)
    }

    /// Paths are compared with the request target's path, which always starts
    /// with `/` and never holds the query.
    private func routePath(_ node: Node, at path: FieldPath) -> String? {
        guard let text = text(node, at: path, expected: "a path") else { return nil }
        guard text.hasPrefix("/") else {
            report(path, "\"\(text)\" must start with `/`")
            return nil
        }
        guard !text.contains(where: { $0 == "?" || $0 == "#" || $0.isWhitespace }) else {
            report(path, "\"\(text)\" must not contain a query, a fragment or white space")
            return nil
        }
        return text
    }

    private func resolveUpstream(
        _ node: Node, at path: FieldPath, upstreams: (valid: [String: UpstreamSettings], declared: [String])
    ) -> UpstreamSettings? {
        guard let name = text(node, at: path, expected: "an upstream name") else { return nil }
        if let upstream = upstreams.valid[name] { return upstream }
        // Declared but broken: its own problem is already reported.
        guard !upstreams.declared.contains(name) else { return nil }
        var message = "unknown upstream `\(name)`"
        if upstreams.declared.isEmpty {
            message += "; no upstreams are declared"
        } else {
            message += "; known upstreams: " + upstreams.declared.map { "`\($0)`" }.joined(separator: ", ")
            if let suggestion = FieldSuggestion.closest(to: name, among: upstreams.declared) {
                message += " (did you mean `\(suggestion)`?)"
            }
        }
        report(path, message)
        return nil
    }
}
