/// Every problem found in a configuration file. Loading reports them all at
/// once, because fixing a file one error per run is slow and frustrating.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// In the order the loader met them; never empty when thrown.
    public var problems: [ConfigurationProblem]

    public init(problems: [ConfigurationProblem]) {
        self.problems = problems
    }

    /// One line per problem, ready to print to standard error.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
