/// One thing wrong with a configuration file, precise enough to fix without
/// reading the gateway's source: which file, which field, what is wrong.
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file as the operator named it, so the message points where they typed.
    public var file: String
    /// The field path, e.g. `routes[2].idempotency.ttl`; empty when the problem
    /// concerns the whole file (unreadable, not YAML, empty).
    public var path: String
    /// What is wrong and, where it helps, what would be right.
    public var message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    /// `gateway.yaml: routes[2].idempotency.ttl: "24 hours" is not a duration (…)`
    public var description: String {
        path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)"
    }
}
