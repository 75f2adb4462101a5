internal import Yams
import GatewayCore

/// The `limits` section.
extension ConfigReader {
    static let limitsFields = [
        "max_request_body", "max_stored_body", "client_header_timeout", "client_body_timeout", "keepalive_timeout",
        "send_timeout", "max_connections", "max_header_bytes",
    ]

    /// The smallest `max_header_bytes` accepted: below it, ordinary request
    /// heads (a few headers and a cookie) would be refused.
    static let minimumHeaderBytes = 1024

    func limits(_ map: FieldMap) -> LimitsConfiguration {
        let defaults = LimitsConfiguration()
        guard let node = map["limits"], let limits = fields(of: node, at: map.path("limits"), known: Self.limitsFields)
        else { return defaults }
        var result = defaults
        result.maxRequestBody = optional(limits, "max_request_body", default: defaults.maxRequestBody) { byteSize($0, at: $1) }
            ?? defaults.maxRequestBody
        result.maxStoredBody = optional(limits, "max_stored_body", default: defaults.maxStoredBody) { byteSize($0, at: $1) }
            ?? defaults.maxStoredBody
        result.clientHeaderTimeout = optional(limits, "client_header_timeout", default: defaults.clientHeaderTimeout) {
            duration($0, at: $1)
        } ?? defaults.clientHeaderTimeout
        result.clientBodyTimeout = optional(limits, "client_body_timeout", default: defaults.clientBodyTimeout) {
            duration($0, at: $1)
        } ?? defaults.clientBodyTimeout
        result.keepaliveTimeout = optional(limits, "keepalive_timeout", default: defaults.keepaliveTimeout) {
            duration($0, at: $1)
        } ?? defaults.keepaliveTimeout
        result.sendTimeout = optional(limits, "send_timeout", default: defaults.sendTimeout) { duration($0, at: $1) }
            ?? defaults.sendTimeout
        result.maxConnections = optional(limits, "max_connections", default: defaults.maxConnections) {
            integer($0, at: $1, in: 1...1_000_000, expected: "a number of connections")
        } ?? defaults.maxConnections
        result.maxHeaderBytes = optional(limits, "max_header_bytes", default: defaults.maxHeaderBytes) { node, path in
            guard let size = byteSize(node, at: path) else { return nil }
            guard size.bytes >= Self.minimumHeaderBytes else {
                report(path, "\(size) is too small for a request head (at least 1KiB)")
                return nil
            }
            return size
        } ?? defaults.maxHeaderBytes
        return result
    }
}
