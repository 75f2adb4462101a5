/// `store.backend`: where idempotency records live.
public enum StoreBackend: Sendable, Hashable {
    /// Shared by every gateway instance and survives restarts: production.
    case redis(RedisSettings)
    /// In this process only, lost on restart: development and tests.
    case memory
}
