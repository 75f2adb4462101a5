internal import CCurl
internal import GatewayCore
import Logging
import Synchronization

/// The one thread that drives libcurl: it owns the multi handle, the transfers
/// in flight and the pool of idle easy handles.
///
/// `@unchecked Sendable` is safe because the only state shared with other
/// threads is `inbox`, a `Mutex`, and the call to `curl_multi_wakeup`, which
/// libcurl documents as callable from any thread. It is made under that mutex
/// while `stopping` is false, and the multi handle is freed only after the curl
/// thread has seen `stopping`, so a wakeup never meets a freed handle.
/// Everything else (`multi` for every other call, `inFlight`, `idleHandles`) is
/// touched only by `run()` and what it calls (the `+Streams` extension
/// included), on the curl thread. Stream consumers reach the loop through
/// `post(_:)`, i.e. the inbox, never directly.
final class CurlMultiLoop: @unchecked Sendable {
    /// How long past a deadline libcurl gets to time a transfer out itself.
    private static let deadlineGrace = Duration.milliseconds(20)
    /// Enough idle handles to absorb bursts without keeping a large idle set.
    private static let idleHandleLimit = 64
    /// Idle keep-alive connections kept across all upstreams when the total is
    /// not limited; each costs one socket and a few kilobytes.
    private static let idleConnectionLimit = 256

    private let inbox = Mutex(CurlInbox())
    let multi: UnsafeMutableRawPointer
    let logger: Logger
    /// Curl thread only (the `+Streams` extension included).
    var inFlight: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// `inFlight.count` as of the end of the last turn, for any thread.
    let inFlightCount = Atomic<Int>(0)
    private var idleHandles: [CurlEasyHandle] = []
    /// No transfer's deadline is earlier than this; the overdue scan is skipped
    /// until it passes.
    private var nextDeadline = ContinuousClock.Instant.now + .seconds(1)

    init(logger: Logger, maxConnectionsPerHost: Int, maxTotalConnections: Int) {
        CurlGlobal.ensureInitialized()
        guard let multi = curl_multi_init() else {
            fatalError("curl_multi_init returned NULL: out of memory")
        }
        self.multi = multi
        self.logger = logger
        // 0 is libcurl's own "unlimited"; above the limit libcurl queues transfers
        // until a connection frees up, which is what makes them reuse it.
        _ = gw_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(0, maxConnectionsPerHost))
        _ = gw_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(0, maxTotalConnections))
        // libcurl sizes its idle-connection cache at 4 x the transfers added at
        // that moment, so a dip in load evicts warm connections and the next
        // burst reconnects (measured: 23 connections under a limit of 16).
        _ = gw_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxTotalConnections > 0 ? maxTotalConnections : Self.idleConnectionLimit)
        // Upstreams speak HTTP/1.1 here, so nothing can multiplex. With the
        // default (CURLPIPE_MULTIPLEX) libcurl 7.88 looks for the best shared
        // connection by checking every pooled one, a poll(2) each: measured 38
        // syscalls per request with 32 idle connections. Without it, libcurl
        // takes the first idle live connection.
        _ = gw_multi_setopt_long(multi, CURLMOPT_PIPELINING, 0)
    }

    /// Hands a job to the curl thread. False once the loop is stopping: the job
    /// was not taken and the caller must fail it.
    func submit(_ job: CurlJob) -> Bool {
        inbox.withLock { inbox in
            guard !inbox.stopping else { return false }
            inbox.jobs.append(job)
            if inbox.threadIsPolling {
                inbox.threadIsPolling = false
                _ = curl_multi_wakeup(multi)
            }
            return true
        }
    }

    /// Posts a stream consumer's request to the curl thread; dropped once the
    /// loop is stopping (shutdown fails every stream anyway).
    func post(_ signal: CurlStreamSignal) {
        inbox.withLock { inbox in
            guard !inbox.stopping else { return }
            inbox.signals.append(signal)
            if inbox.threadIsPolling {
                inbox.threadIsPolling = false
                _ = curl_multi_wakeup(multi)
            }
        }
    }

    /// Asks the curl thread to finish; idempotent, never waits.
    func stop() {
        inbox.withLock { inbox in
            guard !inbox.stopping else { return }
            inbox.stopping = true
            _ = curl_multi_wakeup(multi)
        }
    }

    /// The curl thread's body; returns after `stop()`, having failed every
    /// transfer it still held and freed all libcurl state.
    func run() {
        logger.info("Upstream transport started")
        var running: Int32 = 0
        while true {
            var jobs: [CurlJob] = []
            var signals: [CurlStreamSignal] = []
            let stopping = inbox.withLock { inbox in
                swap(&jobs, &inbox.jobs)
                swap(&signals, &inbox.signals)
                inbox.threadIsPolling = false
                return inbox.stopping
            }
            if stopping {
                for job in jobs { job.fail(Self.notSent(job)) }
                break
            }
            for job in jobs { start(job) }
            for signal in signals { handle(signal) }
            let performed = curl_multi_perform(multi, &running)
            if performed != CURLM_OK {
                logger.info("curl_multi_perform failed", metadata: ["curl.code": "\(performed.rawValue)"])
            }
            completeFinishedTransfers()
            failOverdueTransfers()
            inFlightCount.store(inFlight.count, ordering: .relaxed)
            // libcurl shortens the wait to its own next timeout, and we to the
            // next deadline, so 1 s only bounds an idle loop; a submit or stop
            // interrupts the wait at once.
            let untilDeadline = max(0, (nextDeadline - .now).milliseconds + 1)
            // A job queued since the swap above is started at once; otherwise
            // the flag tells the next submit that it must wake us. A wakeup
            // sent after the flag was set but before the poll began is not
            // lost: libcurl's socket pair stays readable until polled.
            let mustPoll = inbox.withLock { inbox in
                guard inbox.jobs.isEmpty, inbox.signals.isEmpty, !inbox.stopping else { return false }
                inbox.threadIsPolling = true
                return true
            }
            if mustPoll {
                _ = curl_multi_poll(multi, nil, 0, Int32(min(1000, untilDeadline)), nil)
            }
        }
        abortInFlight()
        inFlightCount.store(0, ordering: .relaxed)
        curl_multi_cleanup(multi)
        logger.info("Upstream transport stopped")
    }

    private func start(_ job: CurlJob) {
        let easy: CurlEasyHandle
        if let idle = idleHandles.popLast() {
            easy = idle
        } else {
            easy = CurlEasyHandle()
            let prepared = easy.prepare()
            guard prepared == CURLE_OK else {
                let reason = String(cString: curl_easy_strerror(prepared))
                job.fail(UpstreamFailure(.connect, "cannot set up a libcurl handle: \(reason); not sent to \(job.request.loggableURL)"))
                return
            }
        }
        let transfer = CurlTransfer(job: job, easy: easy, producer: self)
        if let failure = transfer.configure() {
            finish(transfer, with: .failure(failure))
            return
        }
        let added = curl_multi_add_handle(multi, transfer.easy.raw)
        guard added == CURLM_OK else {
            let reason = String(cString: curl_multi_strerror(added))
            finish(transfer, with: .failure(UpstreamFailure(.connect, "curl_multi_add_handle failed: \(reason) (\(job.request.loggableURL))")))
            return
        }
        inFlight[transfer.easy.raw] = transfer
        nextDeadline = min(nextDeadline, transfer.deadline + Self.deadlineGrace)
    }

    /// libcurl 7.88 does not time out a transfer that waits for a free
    /// connection (over CURLMOPT_MAX_HOST_CONNECTIONS): it fails only once a
    /// connection frees up, which can be long after the caller's timeout. This
    /// enforces the deadline; the grace lets libcurl's own timeout, with its
    /// precise message, win in every other case. A streamed body has no
    /// total deadline, only an idle one that stops while paused (see
    /// `CurlTransfer.watchdogDeadline`); the connection of a transfer cut here
    /// mid-body is closed by libcurl (premature removal), never pooled.
    private func failOverdueTransfers() {
        let now = ContinuousClock.now
        guard now >= nextDeadline else { return }
        var earliest = now + .seconds(1)
        for (easy, transfer) in inFlight {
            guard let watchdog = transfer.watchdogDeadline else {
                // Paused for its consumer, which may have dropped the stream
                // without cancelling: nothing would ever resume it.
                if transfer.streamIsAbandoned() { drop(easy, transfer, reason: "Upstream body stream abandoned") }
                continue
            }
            let deadline = watchdog + Self.deadlineGrace
            guard now >= deadline else {
                earliest = min(earliest, deadline)
                continue
            }
            _ = curl_multi_remove_handle(multi, easy)
            inFlight[easy] = nil
            let failure = transfer.stream == nil ? transfer.overdueFailure() : transfer.idleFailure()
            logger.debug("Upstream transfer overdue", metadata: [
                "upstream.url": "\(transfer.job.request.loggableURL)",
                "failure.kind": "\(failure.kind)",
            ])
            finish(transfer, with: .failure(failure))
        }
        nextDeadline = earliest
    }

    private func completeFinishedTransfers() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            // Read before removing the handle: that invalidates `message`.
            let code = gw_msg_result(message)
            _ = curl_multi_remove_handle(multi, easy)
            guard let transfer = inFlight.removeValue(forKey: easy) else { continue }
            if transfer.mayStartOverOnFreshConnection(after: code), transfer.startOverOnFreshConnection(),
               curl_multi_add_handle(multi, easy) == CURLM_OK {
                logger.debug("Upstream request sent again on a new connection", metadata: [
                    "upstream.url": "\(transfer.job.request.loggableURL)",
                ])
                inFlight[easy] = transfer
                continue
            }
            let outcome = transfer.outcome(code)
            if case .failure(let failure) = outcome {
                logger.debug("Upstream transfer failed", metadata: [
                    "upstream.url": "\(transfer.job.request.loggableURL)",
                    "curl.code": "\(code.rawValue)",
                    "failure.kind": "\(failure.kind)",
                ])
            }
            finish(transfer, with: outcome)
        }
    }

    /// Resumes the caller (or ends the stream), then recycles the handle.
    /// Resuming first keeps the caller's latency free of our bookkeeping.
    private func finish(_ transfer: CurlTransfer, with outcome: Result<UpstreamResponse, UpstreamFailure>) {
        transfer.deliver(outcome)
        recycle(transfer.easy)
    }

    private func recycle(_ easy: CurlEasyHandle) {
        guard idleHandles.count < Self.idleHandleLimit else { return }
        easy.detach()
        idleHandles.append(easy)
    }

    private func abortInFlight() {
        for (easy, transfer) in inFlight {
            _ = curl_multi_remove_handle(multi, easy)
            transfer.fail(transfer.abortedFailure())
        }
        inFlight.removeAll()
        idleHandles.removeAll()
    }

    private static func notSent(_ job: CurlJob) -> UpstreamFailure {
        UpstreamFailure(.connect, "transport shut down before the request was sent (\(job.request.loggableURL))")
    }
}
