import Logging
import NIOConcurrencyHelpers

/// Logs the store's configuration risk (Redis may evict our keys) when it
/// changes, not each time it is observed: `/readyz` asks on every probe, and
/// a warning repeated every few seconds per replica buries everything else.
/// A risk that appears is a warning; one that goes away is a notice.
public final class StoreRiskNotice: Sendable {
    private let logger: Logger
    private let last = NIOLockedValueBox<String?>(nil)

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Records what was found (nil: no risk); logs only a change.
    public func observe(_ risk: String?) {
        let previous = last.withLockedValue { last in
            defer { last = risk }
            return last
        }
        guard previous != risk else { return }
        if let risk {
            logger.warning("Redis can evict idempotency records", metadata: ["risk": "\(risk)"])
        } else {
            logger.notice("Redis eviction risk resolved", metadata: ["previous": "\(previous ?? "")"])
        }
    }
}
