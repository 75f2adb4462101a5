internal import CHiredis
import Dispatch
internal import Foundation
import GatewayCore
import Logging
import Synchronization

/// One Redis connection driven by its own thread, so blocking hiredis calls
/// never run on an event loop or the Swift cooperative pool.
///
/// Callers append to a locked queue and suspend. The thread takes everything
/// queued (up to `maximumBatch` commands or `maximumBatchBytes`), appends it all to the hiredis output buffer
/// and then reads the replies in order: commands that arrive while a round
/// trip is in flight share the next one, which pipelines them without the
/// hiredis async API.
final class RedisConnectionWorker: Sendable {
    /// Bound the memory and latency of a single round trip under a burst:
    /// hiredis copies a whole batch into its output buffer before writing.
    static let maximumBatch = 1024
    static let maximumBatchBytes = 16 << 20

    private struct Queue: Sendable {
        var pending: [RedisQueuedCommand] = []
        /// True while the thread sleeps on `wakeUp`: exactly one enqueuer
        /// then signals it, so signals and waits stay balanced.
        var threadIsWaiting = false
        var isShutDown = false
    }

    private enum Next {
        case batch([RedisQueuedCommand])
        case wait
        case stop
    }

    private let queue = Mutex(Queue())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let endpoint: RedisEndpoint
    private let timeout: Duration
    private let scripts: [RedisScript]
    private let logger: Logger

    /// Starts the thread; it connects lazily, on the first batch.
    init(endpoint: RedisEndpoint, timeout: Duration, scripts: [RedisScript], logger: Logger, threadName: String) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.scripts = scripts
        self.logger = logger
        // The thread keeps the worker alive until `shutdown()` stops it.
        let thread = Thread { [self] in self.run() }
        thread.name = threadName
        thread.start()
    }

    /// Queues `request` and waits for its reply. Error replies are returned
    /// as `.error`; transport failures, timeouts and shutdown as failures.
    func send(_ request: RedisRequest) async -> Result<RedisReply, StoreUnavailable> {
        let deadline = ContinuousClock.now + timeout
        return await withCheckedContinuation { continuation in
            let command = RedisQueuedCommand(request: request, deadline: deadline, continuation: continuation)
            let (accepted, wake) = queue.withLock { queue in
                guard !queue.isShutDown else { return (false, false) }
                queue.pending.append(command)
                let wake = queue.threadIsWaiting
                queue.threadIsWaiting = false
                return (true, wake)
            }
            if !accepted {
                command.fail(StoreUnavailable("Redis client for \(endpoint.address) was shut down"))
            } else if wake {
                wakeUp.signal()
            }
        }
    }

    /// Fails queued commands, lets the thread finish its current round trip
    /// (bounded by the timeout) and waits until it has closed the socket.
    /// Later calls return at once. Must not be called on the worker thread.
    func shutdown() {
        let (orphans, wake, first) = queue.withLock { queue in
            guard !queue.isShutDown else { return ([RedisQueuedCommand](), false, false) }
            queue.isShutDown = true
            let orphans = queue.pending
            queue.pending = []
            let wake = queue.threadIsWaiting
            queue.threadIsWaiting = false
            return (orphans, wake, true)
        }
        for command in orphans {
            command.fail(StoreUnavailable("Redis client for \(endpoint.address) was shut down"))
        }
        if wake { wakeUp.signal() }
        if first { stopped.wait() }
    }

    private func run() {
        gateway_redis_block_sigpipe_on_this_thread()
        var session = RedisSession(endpoint: endpoint, timeout: timeout, scripts: scripts, logger: logger)
        while let batch = nextBatch() {
            session.execute(batch)
        }
        session.close()
        logger.debug("Redis connection worker stopped")
        stopped.signal()
    }

    /// Blocks until there is work; nil once shut down.
    private func nextBatch() -> [RedisQueuedCommand]? {
        while true {
            let next = queue.withLock { queue -> Next in
                if queue.isShutDown { return .stop }
                if queue.pending.isEmpty {
                    queue.threadIsWaiting = true
                    return .wait
                }
                var count = 0
                var bytes = 0
                for command in queue.pending.prefix(Self.maximumBatch) {
                    bytes += command.size
                    if count > 0, bytes > Self.maximumBatchBytes { break }
                    count += 1
                }
                if count == queue.pending.count {
                    var batch: [RedisQueuedCommand] = []
                    swap(&batch, &queue.pending)
                    return .batch(batch)
                }
                let batch = Array(queue.pending.prefix(count))
                queue.pending.removeFirst(count)
                return .batch(batch)
            }
            switch next {
            case .stop: return nil
            case .wait: wakeUp.wait()
            case .batch(let batch): return batch
            }
        }
    }
}
