import Synchronization

/// Stands in for the pipeline's renewal sleep: each sleep waits until the
/// test calls `tick()`, so a test decides exactly when a renewal runs. A
/// cancelled sleep returns at once, as `Task.sleep` does, which is how the
/// pipeline stops renewing when the upstream call ends.
final class RenewalTicker: Sendable {
    private struct State {
        var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextID = 0
        var entered = 0
    }

    private let state = Mutex(State())

    /// How many sleeps have begun so far.
    var sleepsEntered: Int { state.withLock { $0.entered } }

    func sleep(_ duration: Duration) async {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    state.entered += 1
                    if Task.isCancelled { return true }
                    state.waiting[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { $0.waiting.removeValue(forKey: id) }
            continuation?.resume()
        }
    }

    /// Ends every sleep in progress.
    func tick() {
        let waiting = state.withLock { state in
            defer { state.waiting = [:] }
            return state.waiting
        }
        for continuation in waiting.values { continuation.resume() }
    }

    /// Waits (polling, up to `limit`) until `count` sleeps have begun.
    func waitForSleeps(_ count: Int, limit: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if sleepsEntered >= count { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return sleepsEntered >= count
    }
}
