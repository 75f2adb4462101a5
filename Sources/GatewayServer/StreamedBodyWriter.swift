import GatewayCore
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Writes a response whose body is too large to hold (`GatewayResponse.bodyStream`)
/// to the client as it arrives: the head and the first bytes at once, then one
/// chunk of the stream at a time, and the next chunk is asked for only while
/// the channel is writable. A client that reads slowly therefore slows the
/// upstream (the stream pauses the transfer past its high-water mark) instead
/// of filling the gateway's memory.
///
/// It deals in bytes only; what the connection does afterwards (keep alive,
/// close, time out) is `ProxyConnectionStateMachine`'s decision, reported
/// back through `ended`. Lives on the connection's event loop: every method
/// is called there, and the stream's `next()` runs in a task on that loop.
final class StreamedBodyWriter {
    enum Ending {
        /// The whole body is written; `lastWrite` completes when it has left.
        case complete(lastWrite: EventLoopFuture<Void>)
        /// The upstream broke off (or sent more than it declared): the
        /// client must see a truncated response, so the connection closes.
        case failed
    }

    private enum Phase {
        /// Nothing asked of the stream; waits for the channel to be writable.
        case waiting
        /// A `next()` is under way.
        case pulling
        /// Completed, failed or cancelled; nothing more is written.
        case ended
    }

    /// Progress is reported (to `send_timeout`) once per this many bytes.
    private static let markInterval = 64 << 10

    private let stream: UpstreamBodyStream
    private let framing: StreamedBodyFraming
    private let context: ChannelHandlerContext
    private let executor: EventLoopTaskExecutor
    private let progress: () -> Void
    private let ended: (Ending) -> Void
    private var phase = Phase.waiting
    /// Body bytes written so far, first bytes included.
    private var written = 0
    /// Bytes written since the last progress mark.
    private var unmarked = 0

    /// `progress` runs whenever a part of the response has left (the client
    /// is reading); `ended` runs once, unless the writer is cancelled first.
    init(stream: UpstreamBodyStream, framing: StreamedBodyFraming, context: ChannelHandlerContext, executor: EventLoopTaskExecutor,
         progress: @escaping () -> Void, ended: @escaping (Ending) -> Void) {
        self.stream = stream
        self.framing = framing
        self.context = context
        self.executor = executor
        self.progress = progress
        self.ended = ended
    }

    /// Writes the head (with `httpFraming.streamed` set) and the body's first
    /// bytes, then starts pulling the stream.
    func start(_ response: GatewayResponse, requestID: String?, httpFraming: HTTPResponseSerializer.Framing) {
        var head = response
        head.body = []
        head.bodyStream = nil
        var buffer = context.channel.allocator.buffer(
            capacity: HTTPResponseSerializer.estimatedSize(head, requestID: requestID) + response.body.count + 16)
        HTTPResponseSerializer.write(head, requestID: requestID, framing: httpFraming, into: &buffer)
        guard append(response.body, to: &buffer) else { return fail() }
        write(&buffer)
        context.flush()
        pullIfWritable()
    }

    /// The channel's writability changed: pull again if it can take more.
    func writabilityChanged() {
        pullIfWritable()
    }

    /// The connection is going away: stop the upstream transfer. `ended` is
    /// not called.
    func cancel() {
        guard phase != .ended else { return }
        phase = .ended
        stream.cancel()
    }

    private func pullIfWritable() {
        guard phase == .waiting, context.channel.isWritable else { return }
        phase = .pulling
        let promise = context.eventLoop.makePromise(of: [UInt8]?.self)
        let stream = self.stream
        Task(executorPreference: executor) {
            do {
                promise.succeed(try await stream.next())
            } catch {
                promise.fail(error)
            }
        }
        promise.futureResult.assumeIsolated().whenComplete { result in
            self.received(result)
        }
    }

    private func received(_ result: Result<[UInt8]?, any Error>) {
        // Cancelled while the task waited: its answer is dropped.
        guard phase == .pulling else { return }
        phase = .waiting
        switch result {
        case .success(let chunk?):
            var buffer = context.channel.allocator.buffer(capacity: chunk.count + 16)
            guard append(chunk, to: &buffer) else { return fail() }
            write(&buffer)
            context.flush()
            pullIfWritable()
        case .success(nil):
            complete()
        case .failure:
            fail()
        }
    }

    /// Appends body bytes in the body's framing; false if they would take
    /// it past its declared length, which would corrupt the connection's
    /// next response.
    private func append(_ bytes: [UInt8], to buffer: inout ByteBuffer) -> Bool {
        guard !bytes.isEmpty else { return true }
        written += bytes.count
        switch framing {
        case .contentLength(let length):
            guard written <= length else { return false }
            buffer.writeBytes(bytes)
        case .chunked:
            buffer.writeString(String(bytes.count, radix: 16))
            buffer.writeStaticString("\r\n")
            buffer.writeBytes(bytes)
            buffer.writeStaticString("\r\n")
        case .closeDelimited:
            buffer.writeBytes(bytes)
        }
        return true
    }

    /// Writes in slices of at most `markInterval`, marking progress as each
    /// mark's worth leaves, so `send_timeout` measures a client that stopped
    /// reading, not one that reads a large answer slowly.
    private func write(_ buffer: inout ByteBuffer) {
        while buffer.readableBytes > 0, let slice = buffer.readSlice(length: min(buffer.readableBytes, Self.markInterval)) {
            unmarked += slice.readableBytes
            guard unmarked >= Self.markInterval else {
                context.write(NIOAny(slice), promise: nil)
                continue
            }
            unmarked = 0
            context.write(NIOAny(slice)).assumeIsolated().whenSuccess { self.progress() }
        }
    }

    private func complete() {
        if case .contentLength(let length) = framing, written != length { return fail() }
        phase = .ended
        let last = framing == .chunked
            ? context.channel.allocator.buffer(bytes: StreamedBodyFraming.lastChunk)
            : context.channel.allocator.buffer(capacity: 0)
        ended(.complete(lastWrite: context.writeAndFlush(NIOAny(last))))
    }

    private func fail() {
        phase = .ended
        // Does nothing if the stream itself failed; stops it if the writer did.
        stream.cancel()
        if framing == .closeDelimited, let socket = context.channel as? any SocketOptionProvider {
            // The close ends a close-delimited body: only a reset tells the
            // client that this one was cut short.
            _ = socket.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        }
        ended(.failed)
    }
}
