import GatewayCore
import GatewayTestSupport
import Synchronization

/// Plays the transport behind an `UpstreamBodyStream`: the test offers the
/// chunks itself, and this records what the stream asked of the transport
/// (resume after a pause, cancel).
final class RecordingProducer: UpstreamBodyProducer {
    private let calls = Mutex<[String]>([])

    var log: [String] { calls.withLock { $0 } }
    var cancelled: Bool { log.contains("cancel") }

    func resumeTransfer(of stream: UpstreamBodyStream) { calls.withLock { $0.append("resume") } }
    func cancelTransfer(of stream: UpstreamBodyStream) { calls.withLock { $0.append("cancel") } }

    /// A stream fed by this producer, and the upstream reply that carries it
    /// with `first` as the bytes that arrived before the hand-off.
    func streamedReply(first: String, contentLength: Int? = nil) -> (UpstreamBodyStream, FakeTransport.Reply) {
        let stream = UpstreamBodyStream(producer: self, contentLength: contentLength)
        return (stream, .response(UpstreamResponse(status: 200, headers: [HeaderField(name: "Content-Type", value: "text/plain")],
                                                   body: Array(first.utf8), bodyStream: stream)))
    }
}

extension UpstreamBodyStream {
    /// Offers `text` as one chunk, as the transport's write callback would.
    @discardableResult
    func offer(_ text: String) -> UpstreamBodyOffer {
        Array(text.utf8).withUnsafeBufferPointer { offer($0) }
    }
}
