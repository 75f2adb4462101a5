internal import Yams
import GatewayCore

/// An upstream's `circuit_breaker` block. Absent means enabled with the
/// defaults: a breaker that only trips on a clearly failing upstream is safer
/// to have on by default than a gateway that piles retries onto a dead one.
extension ConfigReader {
    static let circuitBreakerFields = [
        "enabled", "failure_rate", "minimum_calls", "window", "open_for", "half_open_calls", "failure_statuses",
    ]

    /// The HTTP status codes a response can carry; anything else in
    /// `failure_statuses` could never match and is surely a typo.
    static let statusCodes = 100...599

    /// The settings as written, defaults for absent fields. Every field is read
    /// (and its problems reported) even when `enabled: false`, so a file that
    /// turns the breaker back on later does not surprise with old mistakes.
    func circuitBreaker(_ node: Node, at path: FieldPath) -> CircuitBreakerSettings? {
        guard let fields = fields(of: node, at: path, known: Self.circuitBreakerFields,
                                  emptyHint: "write `{}` for the defaults, or `{enabled: false}` to turn it off")
        else { return nil }
        let before = problems.count
        let defaults = CircuitBreakerSettings()
        var settings = defaults
        settings.enabled = optional(fields, "enabled", default: defaults.enabled) { bool($0, at: $1) } ?? defaults.enabled
        settings.failureRate = optional(fields, "failure_rate", default: defaults.failureRate) {
            failureRate($0, at: $1)
        } ?? defaults.failureRate
        let minimumCalls = optional(fields, "minimum_calls", default: defaults.minimumCalls) {
            integer($0, at: $1, in: 1...Int.max)
        }
        let window = optional(fields, "window", default: defaults.window) { integer($0, at: $1, in: 1...Int.max) }
        settings.minimumCalls = minimumCalls ?? defaults.minimumCalls
        settings.window = window ?? defaults.window
        settings.openFor = optional(fields, "open_for", default: defaults.openFor) { duration($0, at: $1) }
            ?? defaults.openFor
        settings.halfOpenCalls = optional(fields, "half_open_calls", default: defaults.halfOpenCalls) {
            integer($0, at: $1, in: 1...Int.max)
        } ?? defaults.halfOpenCalls
        settings.failureStatuses = optional(fields, "failure_statuses", default: defaults.failureStatuses) {
            failureStatuses($0, at: $1)
        } ?? defaults.failureStatuses

        // A window smaller than minimum_calls can never hold enough outcomes
        // for the rate to be trusted, so the breaker would never open; the
        // operator surely meant something else, and silently clamping would hide it.
        if let minimumCalls, let window, window < minimumCalls {
            func origin(_ key: String) -> String { fields.contains(key) ? "" : ", the default" }
            report(fields.path("window"),
                   "window (\(window)\(origin("window"))) must be at least minimum_calls "
                   + "(\(minimumCalls)\(origin("minimum_calls"))), or the breaker never sees enough calls to open")
        }
        return problems.count == before ? settings : nil
    }

    /// At 0 the breaker would open with no failure at all; above 1, never.
    private func failureRate(_ node: Node, at path: FieldPath) -> Double? {
        guard let rate = number(node, at: path, expected: "a number between 0 and 1") else { return nil }
        guard rate > 0, rate <= 1 else {
            // `0` rather than `0.0`, to echo what the file says.
            let shown = rate.rounded() == rate && abs(rate) < 1e15 ? String(Int(rate)) : String(rate)
            report(path, "must be greater than 0 and at most 1, found \(shown)")
            return nil
        }
        return rate
    }

    /// A non-empty list of status codes. Empty is refused: it would leave only
    /// connect errors and timeouts counting, and an empty list reads more like
    /// an unfinished edit than like that intent.
    private func failureStatuses(_ node: Node, at path: FieldPath) -> Set<Int>? {
        let statuses = list(node, at: path) { integer($0, at: $1, in: Self.statusCodes, expected: "a status code") }
        guard let statuses else { return nil }
        guard !statuses.isEmpty else {
            report(path, "an empty list counts no status as a failure; remove the field for the defaults "
                   + "(\(CircuitBreakerSettings.defaultFailureStatuses.sorted().map(String.init).joined(separator: ", ")))")
            return nil
        }
        return Set(statuses)
    }
}
