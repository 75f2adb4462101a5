/// The `log` section.
public struct LogConfiguration: Sendable, Equatable {
    /// How log lines are written.
    public enum Format: String, Sendable, CaseIterable {
        /// Human-readable lines, for a terminal.
        case text
        /// One JSON object per line, for log collectors.
        case json
    }

    /// The swift-log level names, lowest first; `level` is one of them.
    public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// The line format.
    public var format: Format
    /// The minimum level, a lower-case swift-log level name (see `levels`);
    /// `Logger.Level(rawValue:)` accepts it as is.
    public var level: String

    public init(format: Format = .text, level: String = "info") {
        self.format = format
        self.level = level
    }
}
