/// Where a value sits in gateway.yaml, spelled the way an operator searches
/// the file for it: `routes[2].idempotency.ttl`, `upstreams.payments.timeout`.
struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    /// The whole document; problems here concern the file rather than a field.
    static let root = FieldPath(description: "")

    let description: String

    /// The path of a field inside this mapping.
    func appending(_ key: String) -> FieldPath {
        FieldPath(description: description.isEmpty ? key : "\(description).\(key)")
    }

    /// The path of an element of this list.
    func index(_ position: Int) -> FieldPath {
        FieldPath(description: "\(description)[\(position)]")
    }
}
