import NIOConcurrencyHelpers
import NIOCore

/// Tracks the open client connections so a graceful shutdown can drain them:
/// each gets NIO's `ChannelShouldQuiesceEvent`, on which the HTTP pipeline
/// handler closes an idle connection at once and a busy one right after its
/// current response. The same idea as NIOExtras' `ServerQuiescingHelper`,
/// without the dependency.
public final class ConnectionDrainer: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var draining = false
        var drained: [CheckedContinuation<Void, Never>] = []
        /// Set when a drain stops waiting, so a waiter that registers late
        /// does not wait for ever.
        var gaveUp = false
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// The number of open client connections.
    public var openConnections: Int { state.withLockedValue { $0.channels.count } }

    /// True once `drain` has begun; new responses then ask clients to close.
    public var isDraining: Bool { state.withLockedValue { $0.draining } }

    /// Flags the shutdown at once, before the listener has closed, so
    /// `/readyz` turns 503 the moment the signal arrives.
    public func markDraining() {
        state.withLockedValue { $0.draining = true }
    }

    /// Registers an accepted connection, which unregisters itself on close,
    /// unless `limit` connections are open already: then it returns false
    /// and the caller closes it. Counted here, under the same lock as the
    /// set, so connections accepted on different loops at once cannot
    /// overshoot the limit together.
    func admit(_ channel: any Channel, limit: Int) -> Bool {
        let id = ObjectIdentifier(channel)
        let admitted: Bool? = state.withLockedValue { state -> Bool? in
            guard state.channels.count < limit else { return nil }
            state.channels[id] = channel
            return state.draining
        }
        guard let lateArrival = admitted else { return false }
        channel.closeFuture.whenComplete { [self] _ in remove(id) }
        if lateArrival {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        return true
    }

    private func remove(_ id: ObjectIdentifier) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.channels[id] = nil
            guard state.channels.isEmpty else { return [] }
            defer { state.drained = [] }
            return state.drained
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Asks every connection to finish its current request and close, and
    /// returns once all are closed or `timeout` has passed. Returns the
    /// number of connections still open.
    public func drain(timeout: Duration) async -> Int {
        let channels = state.withLockedValue { state -> [any Channel] in
            state.draining = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let alreadyEmpty = self.state.withLockedValue { state -> Bool in
                        if state.channels.isEmpty || state.gaveUp { return true }
                        state.drained.append(continuation)
                        return false
                    }
                    if alreadyEmpty { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            // Whichever finished first, wake the other: the group only
            // returns once both children have.
            group.cancelAll()
            let leftover = self.state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
                state.gaveUp = true
                defer { state.drained = [] }
                return state.drained
            }
            for waiter in leftover { waiter.resume() }
        }
        return openConnections
    }
}
