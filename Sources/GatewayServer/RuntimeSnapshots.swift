import GatewayCore
import NIOConcurrencyHelpers
import Synchronization

/// The snapshot new requests take, and the way a reload replaces it.
///
/// The request path takes no lock: each connection keeps the snapshot it
/// last used and compares its generation with `latestGeneration`, one
/// atomic load. Only the first request on a connection, and the first after
/// a reload, read the snapshot itself under the lock. An atomic reference
/// would spare that lock too, but a safe atomic strong reference needs a
/// double-word compare-and-swap on every load (swift-atomics'
/// `AtomicReference`), a write to one shared cache line per request.
public final class RuntimeSnapshots: Sendable {
    private struct State {
        var current: RuntimeSnapshot
        /// Every pipeline a reload replaced: requests still running on one
        /// may hold claims that shutdown must settle (`abandonHeldClaims`).
        /// One small value per applied reload.
        var retired: [RequestPipeline] = []
    }

    private let state: NIOLockedValueBox<State>
    private let latestGeneration: Synchronization.Atomic<Int>

    public init(_ first: RuntimeSnapshot) {
        state = NIOLockedValueBox(State(current: first))
        latestGeneration = Synchronization.Atomic(first.generation)
    }

    /// The snapshot a new request should use.
    public var current: RuntimeSnapshot { state.withLockedValue { $0.current } }

    /// `cached` if it is still the latest, else the latest: the lock-free
    /// check a connection makes before each request.
    func refreshed(_ cached: RuntimeSnapshot) -> RuntimeSnapshot {
        latestGeneration.load(ordering: .acquiring) == cached.generation ? cached : current
    }

    /// Makes `snapshot` the one new requests take. Requests already running
    /// keep theirs.
    public func publish(_ snapshot: RuntimeSnapshot) {
        state.withLockedValue { state in
            state.retired.append(state.current.pipeline)
            state.current = snapshot
        }
        latestGeneration.store(snapshot.generation, ordering: .releasing)
    }

    /// The current pipeline and every one it replaced, for shutdown.
    public var allPipelines: [RequestPipeline] {
        state.withLockedValue { $0.retired + [$0.current.pipeline] }
    }
}
