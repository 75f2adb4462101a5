public import GatewayCore
import Synchronization

/// An upstream that answers from a script, counts its calls and keeps every
/// request it was sent. With `suspended`, calls wait until `resume()` so a
/// test can hold a request in flight. Shared by the core and server test
/// targets, which cannot depend on each other.
public final class FakeTransport: UpstreamTransport {
    public enum Reply: Sendable {
        case response(UpstreamResponse)
        case failure(UpstreamFailure)
    }

    private struct State {
        public var requests: [UpstreamRequest] = []
        var script: [Reply] = []
        var fallback: Reply
        var suspended: Bool
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    public init(_ fallback: Reply = .response(UpstreamResponse(status: 201, headers: [], body: Array("created".utf8))),
         script: [Reply] = [], suspended: Bool = false) {
        state = Mutex(State(script: script, fallback: fallback, suspended: suspended))
    }

    public convenience init(status: Int, headers: [HeaderField] = [], body: String, suspended: Bool = false) {
        self.init(.response(UpstreamResponse(status: status, headers: headers, body: Array(body.utf8))), suspended: suspended)
    }

    public var callCount: Int { state.withLock { $0.requests.count } }
    public var requests: [UpstreamRequest] { state.withLock { $0.requests } }

    /// Replaces the answer for every later call.
    public func answer(_ reply: Reply) {
        state.withLock { $0.fallback = reply }
    }

    /// Lets every held call, and every later one, proceed.
    public func resume() {
        let waiting = state.withLock { state in
            state.suspended = false
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Waits (polling, up to `limit`) until `count` calls have arrived.
    public func waitForCalls(_ count: Int, limit: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if callCount >= count { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return callCount >= count
    }

    public func send(_ request: UpstreamRequest) async throws(UpstreamFailure) -> UpstreamResponse {
        let (reply, hold) = state.withLock { state -> (Reply, Bool) in
            state.requests.append(request)
            let reply = state.script.isEmpty ? state.fallback : state.script.removeFirst()
            return (reply, state.suspended)
        }
        if hold {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    guard state.suspended else { return true }
                    state.waiting.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        switch reply {
        case .response(let response): return response
        case .failure(let failure): throw failure
        }
    }
}
