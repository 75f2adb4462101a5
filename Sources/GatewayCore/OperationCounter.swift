import Synchronization

/// How many async operation calls (`RequestPipeline.runOperation`) are still
/// running or settling: after a 202 no connection holds them, so a shutdown
/// waits on this, not on the connection drain, before the store closes.
final class OperationCounter: Sendable {
    private let value = Atomic<Int>(0)

    func enter() { value.add(1, ordering: .relaxed) }
    func leave() { value.subtract(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}
