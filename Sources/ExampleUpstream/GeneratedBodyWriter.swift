import NIOCore
import NIOHTTP1

/// Writes a generated body of any size without holding it: byte `i` is
/// `i % 251` (the same pattern as the tests' `GeneratedBody`), sent in blocks
/// of about 64 KiB, and only while the channel is writable, so a gateway that
/// stops reading stalls this writer instead of growing its outbound buffer.
/// Lives on one event loop; driven by `ExampleUpstreamHandler`.
final class GeneratedBodyWriter {
    /// 261 periods of 251: every block starts at offset 0 mod 251.
    private static let block: [UInt8] = (0..<(251 * 261)).map { UInt8($0 % 251) }

    private var remaining: Int
    /// Close the connection (without finishing the response) once this many
    /// bytes are out, to play an upstream that dies mid-body.
    private var cutAfter: Int?
    private let keepAlive: Bool
    private var buffer: ByteBuffer?

    init(length: Int, cutAfter: Int?, keepAlive: Bool) {
        self.remaining = cutAfter.map { min($0, length) } ?? length
        self.cutAfter = cutAfter
        self.keepAlive = keepAlive
    }

    /// Writes blocks while the channel takes them; true once the body (or
    /// its cut) is fully written and the writer can be dropped.
    func writeMore(context: ChannelHandlerContext, wrap: (HTTPServerResponsePart) -> NIOAny) -> Bool {
        let block = buffer ?? context.channel.allocator.buffer(bytes: Self.block)
        buffer = block
        while remaining > 0, context.channel.isWritable {
            let count = min(remaining, block.readableBytes)
            remaining -= count
            context.write(wrap(.body(.byteBuffer(block.getSlice(at: block.readerIndex, length: count)!))), promise: nil)
            context.flush()
        }
        guard remaining == 0 else { return false }
        let channel = context.channel
        if cutAfter != nil {
            context.flush()
            channel.close(promise: nil)
        } else {
            let done = context.writeAndFlush(wrap(.end(nil)))
            if !keepAlive { done.whenComplete { _ in channel.close(promise: nil) } }
        }
        return true
    }
}
