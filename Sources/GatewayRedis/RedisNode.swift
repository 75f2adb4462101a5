import GatewayCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One Redis node: one `RedisLink` per event loop. `RedisStore` sends to
/// its node directly against one server; `RedisClusterRouter` keeps one per
/// master.
///
/// A command goes to the link of the loop it is sent from, so a request
/// served on a loop talks to Redis on that loop and never waits for another
/// thread. Callers off the loops (the lease keeper, probes, tools) take the
/// links in turn and pay one hop onto the link's loop.
final class RedisNode: Sendable {
    private struct Link: Sendable {
        let eventLoop: any EventLoop
        let box: NIOLoopBoundBox<RedisLink>
    }

    private let links: [Link]
    private let timeout: Duration
    let endpoint: RedisEndpoint
    private let nextLink = Atomic<UInt>(0)
    /// Checked before a command is handed to a loop, so a call after
    /// `shutdown` never depends on the loops still running.
    private let isShutDown = Atomic<Bool>(false)

    init(endpoint: RedisEndpoint, timeout: Duration, scripts: [RedisScript], logger: Logger, eventLoops: [any EventLoop]) {
        precondition(!eventLoops.isEmpty, "a Redis client needs at least one event loop")
        self.endpoint = endpoint
        self.timeout = timeout
        links = eventLoops.enumerated().map { index, eventLoop in
            var linkLogger = logger
            linkLogger[metadataKey: "redis.connection"] = "\(index)"
            let link = RedisLink(eventLoop: eventLoop, endpoint: endpoint, timeout: timeout, scripts: scripts, logger: linkLogger)
            return Link(eventLoop: eventLoop, box: .makeBoxSendingValue(link, eventLoop: eventLoop))
        }
    }

    func send(_ request: RedisRequest) async -> Result<RedisReply, StoreUnavailable> {
        let link = pickLink()
        let deadline = ContinuousClock.now + timeout
        let endpoint = self.endpoint
        return await withCheckedContinuation { continuation in
            let command = RedisLinkCommand(request: request, purpose: .caller(continuation), deadline: deadline)
            guard !isShutDown.load(ordering: .acquiring) else {
                command.finish(.failure(RedisLink.shutDownFailure(endpoint)))
                return
            }
            if link.eventLoop.inEventLoop {
                link.box.value.enqueue(command)
            } else {
                link.eventLoop.execute { link.box.value.enqueue(command) }
            }
        }
    }

    func shutdown() {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for link in links {
            link.eventLoop.execute { link.box.value.shutdown() }
        }
    }

    /// The current loop's link, or the next one in turn.
    private func pickLink() -> Link {
        if links.count > 1, let current = MultiThreadedEventLoopGroup.currentEventLoop {
            for link in links where link.eventLoop === current { return link }
        }
        let ticket = nextLink.wrappingAdd(1, ordering: .relaxed).oldValue
        return links[Int(ticket % UInt(links.count))]
    }
}
