internal import Foundation
public import GatewayCore
public import Logging

/// The production `UpstreamTransport`: libcurl's multi interface driven by one
/// dedicated thread.
///
/// One thread serves every request, so a slow upstream costs a socket, not a
/// thread, and the multi handle's connection cache lets consecutive requests to
/// an upstream reuse warm keep-alive connections. Callers never block: `send`
/// queues the request, wakes the thread and suspends until libcurl is done.
public final class CurlTransport: UpstreamTransport {
    private let loop: CurlMultiLoop

    /// - Parameters:
    ///   - maxConnectionsPerHost: the most connections to one host; 0 means no
    ///     limit. With a limit, excess requests wait for a free connection
    ///     (their timeout runs while they wait) instead of opening new ones.
    ///   - maxTotalConnections: the same across all hosts; 0 means no limit.
    public init(logger: Logger, maxConnectionsPerHost: Int = 0, maxTotalConnections: Int = 0) {
        loop = CurlMultiLoop(logger: logger, maxConnectionsPerHost: maxConnectionsPerHost, maxTotalConnections: maxTotalConnections)
        let thread = Thread { [loop] in
            // Named from inside: only then does the OS see it (top -H, perf).
            Thread.current.name = "curl-multi"
            loop.run()
        }
        thread.start()
    }

    /// Stopping here keeps a forgotten transport from leaking its thread: the
    /// thread holds the loop, not the transport.
    deinit {
        loop.stop()
    }

    /// Sends one request and returns the response: whole, or, past the
    /// request's `bufferLimit`, its head and first bytes with the rest in
    /// `bodyStream` (which the caller must drain or cancel). Fails with
    /// `.connect` only when the request provably never reached the upstream.
    public func send(_ request: UpstreamRequest) async throws(UpstreamFailure) -> UpstreamResponse {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<UpstreamResponse, UpstreamFailure>, Never>) in
            let job = CurlJob(request: request, continuation: continuation)
            if !loop.submit(job) {
                job.fail(UpstreamFailure(.connect, "transport is shut down; not sent to \(request.loggableURL)"))
            }
        }
        return try result.get()
    }

    /// Transfers the curl thread holds (streams being fed included), as of
    /// its last turn; for tests and metrics.
    public var transfersInFlight: Int {
        loop.inFlightCount.load(ordering: .relaxed)
    }

    /// Stops the curl thread. Requests not yet sent fail with `.connect`, those
    /// in flight with `.protocolError` (or `.connect` if still connecting);
    /// open body streams fail with `.protocolError` (their consumers must cut
    /// their clients).
    /// Returns at once; calling it again does nothing.
    public func shutdown() {
        loop.stop()
    }
}
