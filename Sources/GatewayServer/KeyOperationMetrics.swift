import CoreMetrics

/// `admin_key_operations_total{operation,result}`: every call of the admin
/// key API, counted with a fixed label set made once at start.
public final class KeyOperationMetrics: Sendable {
    public enum Operation: String, Sendable, CaseIterable {
        case show, purge
    }

    public enum Result: String, Sendable, CaseIterable {
        /// `show` found a record.
        case found
        case purged
        case absent
        /// A purge refused because the key holds a claim.
        case inFlight = "in_flight"
        case unauthorized
        /// An unknown route, a route without idempotency, a bad key or scope.
        case invalid
        case storeUnavailable = "store_unavailable"
    }

    private let counters: [Operation: [Result: Counter]]

    public init() {
        counters = Dictionary(uniqueKeysWithValues: Operation.allCases.map { operation in
            (operation, Dictionary(uniqueKeysWithValues: Result.allCases.map { result in
                (result, Counter(label: "admin_key_operations_total",
                                 dimensions: [("operation", operation.rawValue), ("result", result.rawValue)]))
            }))
        })
    }

    func count(_ operation: Operation, _ result: Result) {
        counters[operation]?[result]?.increment()
    }
}
