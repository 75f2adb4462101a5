import NIOCore
import NIOPosix

/// A client for a response too large to hold: it sends raw request bytes,
/// parses the head, and checks the body against `GeneratedBody` as it
/// arrives, keeping only counts. It undoes the framing the gateway chose
/// (Content-Length, chunked, or close-delimited) itself, so a test sees
/// exactly how the body was delimited and whether it ended properly.
enum GeneratedBodyClient {
    struct Result: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        /// Body bytes received (after undoing chunked framing).
        var bodyBytes: Int
        /// Every body byte matched the pattern at its offset.
        var intact: Bool
        /// The framing's end arrived: all of Content-Length, or the last
        /// chunk. A close-delimited body is never "complete": only the close
        /// ends it.
        var complete: Bool
        /// The gateway closed the connection.
        var closed: Bool
        /// The connection ended with an error (a reset), not a clean close.
        var reset = false

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    struct NoResponse: Error {}

    /// Sends `request` and reads the response until its framing ends (then
    /// waits `closeWithin` to see whether the gateway closes) or the
    /// connection closes.
    static func fetch(port: Int, request: String, closeWithin: TimeAmount = .milliseconds(200)) async throws -> Result {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Result.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(GeneratedBodyReader(promise: promise, closeWithin: closeWithin))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
        } catch {
            promise.fail(error)
            throw error
        }
        try await channel.writeAndFlush(channel.allocator.buffer(string: request))
        let result = try await promise.futureResult.get()
        try? await channel.close()
        return result
    }
}
