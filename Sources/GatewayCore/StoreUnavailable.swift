/// The store could not be reached or did not answer in time. Whatever the
/// cause, the gateway reacts the same way (`store.on_unavailable`), so one
/// error type with a reason for the log is enough.
public struct StoreUnavailable: Error, Sendable, CustomStringConvertible {
    /// What failed, for logs; never shown to clients.
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "store unavailable: \(reason)" }
}
