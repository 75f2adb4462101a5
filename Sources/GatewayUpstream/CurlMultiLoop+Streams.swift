internal import CCurl
internal import GatewayCore
import Logging

/// The loop's side of streamed bodies. Consumers run on any thread (NIO event
/// loops, tasks), but `curl_easy_pause` and `curl_multi_remove_handle` must be
/// called on the thread that drives the multi handle: libcurl is not
/// thread-safe per handle, and unpausing runs the write callback, which only
/// the curl thread may do. So consumers post a signal through the inbox and
/// wake the loop; the loop acts on its next turn, before `curl_multi_perform`.
extension CurlMultiLoop: UpstreamBodyProducer {
    func resumeTransfer(of stream: UpstreamBodyStream) {
        post(.resume(stream))
    }

    func cancelTransfer(of stream: UpstreamBodyStream) {
        post(.cancel(stream))
    }

    /// Curl thread only. A signal for a transfer that already ended (it
    /// finished, failed or timed out meanwhile) finds nothing and is dropped.
    func handle(_ signal: CurlStreamSignal) {
        switch signal {
        case .resume(let stream):
            transfer(streaming: stream)?.transfer.resume()
        case .cancel(let stream):
            guard let (easy, transfer) = transfer(streaming: stream) else { return }
            drop(easy, transfer, reason: "Upstream body stream cancelled")
        }
    }

    /// Removing a transfer mid-body makes libcurl close its connection
    /// (premature end on HTTP/1.1), so it is never reused with the rest of
    /// this body unread. The handle is released, not pooled.
    func drop(_ easy: UnsafeMutableRawPointer, _ transfer: CurlTransfer, reason: Logger.Message) {
        _ = curl_multi_remove_handle(multi, easy)
        inFlight[easy] = nil
        transfer.fail(UpstreamFailure(.protocolError, "body stream ended by its consumer (\(transfer.job.request.loggableURL))"))
        logger.debug(reason, metadata: ["upstream.url": "\(transfer.job.request.loggableURL)"])
    }

    /// A linear scan: signals come once per `highWaterMark - lowWaterMark`
    /// bytes drained, or once per cancel, not per chunk.
    private func transfer(streaming stream: UpstreamBodyStream) -> (easy: UnsafeMutableRawPointer, transfer: CurlTransfer)? {
        for (easy, transfer) in inFlight where transfer.stream === stream {
            return (easy, transfer)
        }
        return nil
    }
}
