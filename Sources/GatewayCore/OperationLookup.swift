/// What a poll reads from the store: the operation, and what its key holds.
public struct OperationLookup: Sendable, Hashable {
    public var operation: OperationRecord
    public var record: IdempotencyRecord?

    public init(operation: OperationRecord, record: IdempotencyRecord?) {
        self.operation = operation
        self.record = record
    }
}
