internal import Yams

/// The fields of one mapping section, already checked against the names the
/// section knows, with the path of each for problem reports.
struct FieldMap {
    /// The section itself, e.g. `routes[0].idempotency`.
    let path: FieldPath
    private let values: [String: Node]

    init(path: FieldPath, values: [String: Node]) {
        self.path = path
        self.values = values
    }

    /// The value of a known field, nil when the file leaves it out.
    subscript(key: String) -> Node? {
        values[key]
    }

    /// Whether the file sets this field.
    func contains(_ key: String) -> Bool {
        values[key] != nil
    }

    /// Where a field of this section is, set or not.
    func path(_ key: String) -> FieldPath {
        path.appending(key)
    }
}
