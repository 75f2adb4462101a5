import GatewayCore

/// The `limits` section: memory bounds, since bodies are buffered whole.
public struct LimitsConfiguration: Sendable {
    /// A larger request body gets 413 before anything is claimed or forwarded.
    public var maxRequestBody: ByteSize
    /// A larger response is passed to the client but not stored, and its claim
    /// is released, so one huge response cannot fill the store.
    public var maxStoredBody: ByteSize

    public init(maxRequestBody: ByteSize = ByteSize(bytes: 1 << 20), maxStoredBody: ByteSize = ByteSize(bytes: 1 << 20)) {
        self.maxRequestBody = maxRequestBody
        self.maxStoredBody = maxStoredBody
    }
}
