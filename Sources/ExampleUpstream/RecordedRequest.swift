/// One request as the example upstream received it, for tests to inspect.
public struct RecordedRequest: Sendable {
    public var method: String
    public var uri: String
    /// Header lines in arrival order, duplicates kept.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public func headers(named name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
}
