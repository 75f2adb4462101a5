internal import Yams
import GatewayCore

/// A route's `idempotency.async` block: `{after: 2s}`.
extension ConfigReader {
    static let asyncFields = ["after"]

    /// The `after` duration; nil (reported) when the block is unusable.
    func asyncAfter(_ node: Node, at path: FieldPath) -> Duration? {
        guard let fields = fields(of: node, at: path, known: Self.asyncFields,
                                  emptyHint: "set `after`, e.g. `{after: 2s}`, or remove `async` to keep clients waiting")
        else { return nil }
        guard let after = required(fields, "after") else { return nil }
        return duration(after, at: fields.path("after"))
    }
}
