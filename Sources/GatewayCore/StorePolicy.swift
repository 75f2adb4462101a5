/// Which upstream statuses become a stored snapshot. A stored status is the
/// final answer for its key; an unstored one releases the claim so the retry
/// executes again.
public struct StorePolicy: Sendable, Hashable {
    /// Never stored whatever the configuration says: each means "try again"
    /// (timeout, conflict, too early, rate limited), so replaying it forever
    /// would turn a transient refusal into a permanent one.
    public static let neverStored: Set<Int> = [408, 409, 425, 429]

    public static let defaultPatterns: [StatusPattern] = [.statusClass(2), .statusClass(3), .statusClass(4)]

    public var patterns: [StatusPattern]

    public init(patterns: [StatusPattern] = StorePolicy.defaultPatterns) {
        self.patterns = patterns
    }

    public func stores(_ status: Int) -> Bool {
        !Self.neverStored.contains(status) && patterns.contains { $0.matches(status) }
    }
}
