/// `store.backend`: where idempotency records live.
public enum StoreBackend: Sendable, Hashable {
    /// Shared by every gateway instance and survives restarts: production.
    case redis(RedisSettings)
    /// In this process only, lost on restart: development and tests.
    case memory
}

extension StoreBackend {
    /// The bound on one store round trip; nil for the in-process store.
    /// Lease renewal must fit in a third of `lock_ttl` with this to spare.
    public var commandTimeout: Duration? {
        switch self {
        case .redis(let settings): return settings.timeout
        case .memory: return nil
        }
    }
}
