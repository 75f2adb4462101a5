import GatewayCore

/// The `store` section.
public struct StoreConfiguration: Sendable, Equatable {
    /// Which store holds the records, with its connection settings.
    public var backend: StoreBackend
    /// Prepended to every store key, so several gateways (or environments)
    /// can share one Redis without seeing each other's keys.
    public var keyPrefix: String
    /// What a keyed request does while the store cannot be reached.
    public var onUnavailable: StoreUnavailableMode

    public init(
        backend: StoreBackend = .redis(RedisSettings()),
        keyPrefix: String = "idem",
        onUnavailable: StoreUnavailableMode = .reject
    ) {
        self.backend = backend
        self.keyPrefix = keyPrefix
        self.onUnavailable = onUnavailable
    }
}
