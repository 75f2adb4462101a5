internal import Yams
import GatewayCore

/// The `upstreams` section.
extension ConfigReader {
    static let upstreamFields = ["url", "timeout", "connect_timeout", "idle_timeout", "max_in_flight", "circuit_breaker"]

    /// The upstreams that are fully valid, and every declared name: a route
    /// naming a declared but broken upstream is not also told the name is
    /// unknown, which would send the operator looking in the wrong place.
    func upstreams(_ map: FieldMap) -> (valid: [String: UpstreamSettings], declared: [String]) {
        let path = map.path("upstreams")
        guard let node = required(map, "upstreams"), let entries = entries(of: node, at: path) else { return ([:], []) }
        if entries.isEmpty {
            report(path, "at least one upstream is required")
        }
        var valid: [String: UpstreamSettings] = [:]
        var declared: [String] = []
        for (name, value) in entries {
            declared.append(name)
            let before = problems.count
            let upstreamPath = path.appending(name)
            checkName(name, at: upstreamPath)
            if let upstream = upstream(named: name, value, at: upstreamPath), problems.count == before {
                valid[name] = upstream
            }
        }
        return (valid, declared)
    }

    private func upstream(named name: String, _ node: Node, at path: FieldPath) -> UpstreamSettings? {
        guard let fields = fields(of: node, at: path, known: Self.upstreamFields) else { return nil }
        let defaults = UpstreamSettings(name: name, baseURL: "")
        let url = required(fields, "url").flatMap { node -> String? in
            guard let text = text(node, at: fields.path("url"), expected: "an http:// or https:// URL") else { return nil }
            switch UpstreamURL.validated(text) {
            case .success(let url):
                return url
            case .failure(let error):
                report(fields.path("url"), error.message)
                return nil
            }
        }
        let timeout = optional(fields, "timeout", default: defaults.timeout) { duration($0, at: $1) }
        // Unset, connect_timeout follows a short timeout down rather than
        // failing the check below with a value the operator never wrote.
        let connectTimeout = optional(fields, "connect_timeout", default: min(defaults.connectTimeout, timeout ?? defaults.timeout)) {
            duration($0, at: $1)
        }
        let idleTimeout = optional(fields, "idle_timeout", default: defaults.idleTimeout) { node, path -> Duration? in
            guard let value = duration(node, at: path, allowZero: true) else { return nil }
            // libcurl counts idle time in whole seconds: a fraction would
            // promise a bound it cannot keep.
            guard value.components.attoseconds == 0 else {
                report(path, "must be whole seconds (libcurl measures idle time in seconds), or 0 for no reuse")
                return nil
            }
            return value
        }
        // Zero would refuse every call; there is no upper bound, since what an
        // upstream can take is the operator's knowledge, not the gateway's.
        let maxInFlight = optional(fields, "max_in_flight", default: defaults.maxInFlight) {
            integer($0, at: $1, in: 1...Int.max)
        }
        let circuitBreaker = optional(fields, "circuit_breaker", default: defaults.circuitBreaker) {
            self.circuitBreaker($0, at: $1)
        }
        guard let url, let timeout, let connectTimeout, let idleTimeout, let maxInFlight, let circuitBreaker else { return nil }
        // libcurl's overall timeout would cut the connect phase short anyway;
        // a longer connect_timeout only misleads whoever reads the file.
        guard connectTimeout <= timeout else {
            report(fields.path("connect_timeout"),
                   "connect_timeout (\(DurationText.format(connectTimeout))) must not exceed timeout (\(DurationText.format(timeout)))")
            return nil
        }
        var upstream = UpstreamSettings(name: name, baseURL: url, timeout: timeout, connectTimeout: connectTimeout)
        upstream.idleTimeout = idleTimeout
        upstream.maxInFlight = maxInFlight
        upstream.circuitBreaker = circuitBreaker
        return upstream
    }
}
