import NIOCore

/// Hands every response that arrives on a connection to an `AsyncStream`,
/// interim ones (`100 Continue`) included, so a test can act between them:
/// send a body only once the gateway has asked for it, as a real client that
/// sends `Expect: 100-continue` does. The stream ends when the connection
/// closes.
final class ResponseStream: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let continuation: AsyncStream<TestResponse>.Continuation
    private var received: [UInt8] = []

    init(_ continuation: AsyncStream<TestResponse>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        while let (response, length) = TestHTTPClient.parseResponse(received) {
            continuation.yield(response)
            received.removeFirst(length)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish()
        context.close(promise: nil)
    }
}
