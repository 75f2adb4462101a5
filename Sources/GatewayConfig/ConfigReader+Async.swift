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

    /// The upstream's `timeout` still bounds the call: an `after` that is not
    /// shorter would never turn a call into an operation.
    func checkAsyncAfter(_ after: Duration, upstream: UpstreamSettings, at path: FieldPath) {
        guard after >= upstream.timeout else { return }
        report(path, "async.after (\(DurationText.format(after))) must be shorter than upstreams.\(upstream.name).timeout "
               + "(\(DurationText.format(upstream.timeout))): the call is cut off at the timeout, so it would never become an operation")
    }
}
