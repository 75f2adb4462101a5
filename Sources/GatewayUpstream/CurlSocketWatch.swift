internal import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// What the curl thread waits on: an epoll set holding the sockets libcurl
/// asks it to watch, and an eventfd other threads write to wake it.
///
/// Why not `curl_multi_perform` and `curl_multi_poll`: both visit every
/// transfer on every turn, and libcurl 7.88 checks each transfer's socket
/// with a poll(2) of its own when it was not told which are ready, so a
/// turn with 32 transfers in flight cost about 32 system calls whatever
/// was ready. With `curl_multi_socket_action` the loop names the ready
/// sockets (from one epoll_wait) and libcurl touches only their transfers.
///
/// Curl thread only, except `wake()`, which writes to the eventfd and is
/// safe from any thread while the watch lives (the loop closes it only
/// after its thread has seen `stopping`, as for `curl_multi_wakeup` before).
final class CurlSocketWatch {
    /// One ready socket and its `CURL_CSELECT_*` mask.
    struct Ready {
        var socket: Int32
        var mask: Int32
    }

    private let wakeFD: Int32
    private let epollFD: Int32
    private let timer: UnsafeMutablePointer<gw_curl_timer>
    /// When libcurl wants `CURL_SOCKET_TIMEOUT` acted on; nil: no timer.
    private(set) var timerDue: ContinuousClock.Instant?
    private static let capacity = 64
    private let fds = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    private let masks = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)

    /// Nil when the kernel refuses an eventfd or epoll set (out of fds).
    init?() {
        wakeFD = gw_eventfd_create()
        guard wakeFD >= 0 else { return nil }
        epollFD = gw_epoll_create(wakeFD)
        guard epollFD >= 0 else {
            close(wakeFD)
            return nil
        }
        timer = .allocate(capacity: 1)
        timer.initialize(to: gw_curl_timer(timeout_ms: -1, changed: 0))
    }

    deinit {
        close(epollFD)
        close(wakeFD)
        timer.deallocate()
        fds.deallocate()
        masks.deallocate()
    }

    /// Makes `multi` report its sockets and timer here.
    func install(on multi: UnsafeMutableRawPointer) -> CURLMcode {
        gw_multi_use_epoll(multi, epollFD, timer)
    }

    /// Any thread: interrupts `wait`.
    func wake() {
        gw_eventfd_signal(wakeFD)
    }

    /// Takes the timeout libcurl set during the calls since the last look;
    /// call after every batch of libcurl calls.
    func takeTimer() {
        guard timer.pointee.changed != 0 else { return }
        timer.pointee.changed = 0
        let milliseconds = timer.pointee.timeout_ms
        timerDue = milliseconds < 0 ? nil : .now + .milliseconds(milliseconds)
    }

    /// True once libcurl's timer has expired; clears it (libcurl sets a new
    /// one from inside the `CURL_SOCKET_TIMEOUT` action it asks for).
    func timerExpired(now: ContinuousClock.Instant) -> Bool {
        guard let due = timerDue, due <= now else { return false }
        timerDue = nil
        return true
    }

    /// The sockets that became ready within `milliseconds` (0: just look).
    func wait(milliseconds: Int32, into ready: inout [Ready]) {
        ready.removeAll(keepingCapacity: true)
        let count = gw_epoll_wait(epollFD, wakeFD, milliseconds, fds, masks, Int32(Self.capacity))
        guard count > 0 else { return }
        for index in 0..<Int(count) {
            ready.append(Ready(socket: fds[index], mask: masks[index]))
        }
    }

    /// The socket-action id for "act on timeouts".
    static let timeoutSocket = gw_socket_timeout()
}
