import NIOCore

/// Closes the way nginx's `lingering_close` does: the output first, so the
/// client reads the whole answer and then EOF, and the input a little later.
/// Closing both at once while the client is still sending (a refused body,
/// an oversized head) makes the kernel reset the connection, and the reset
/// can destroy the answer before the client reads it. A client that closes
/// on EOF ends it at once.
enum LingeringClose {
    /// How long a closing connection keeps reading (and dropping) what the
    /// client still sends.
    static let lingerTime = TimeAmount.seconds(2)

    /// Closes once `lastWrite` is done, not before: a body larger than the
    /// socket's send buffer is still being written when `writeAndFlush`
    /// returns. A write that failed closes at once.
    static func after(_ lastWrite: EventLoopFuture<Void>, context: ChannelHandlerContext) {
        lastWrite.assumeIsolated().whenComplete { result in
            guard case .success = result else {
                context.close(promise: nil)
                return
            }
            context.close(mode: .output).assumeIsolated().whenComplete { result in
                if case .failure = result { context.close(promise: nil) }
            }
            context.eventLoop.assumeIsolated().scheduleTask(in: lingerTime) {
                context.close(promise: nil)
            }
        }
    }
}
