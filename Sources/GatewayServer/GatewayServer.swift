import GatewayCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The client-facing HTTP/1.1 listener.
public final class GatewayServer: Sendable {
    private let channel: any Channel

    /// The bound port: useful when the configuration asked for port 0.
    public let port: Int

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    public static func bind(host: String, port: Int, group: any EventLoopGroup, runtime: GatewayRuntime) async throws -> GatewayServer {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                // Past max_connections a new connection is closed at once,
                // before it costs a decoder or a byte of buffer; the ones
                // already open keep being served.
                runtime.metrics.connectionAccepted()
                guard runtime.drainer.admit(channel, limit: runtime.client.maxConnections) else {
                    runtime.metrics.connectionRefused()
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    try Self.configure(channel.pipeline.syncOperations, runtime: runtime)
                }
            }
        warmUp(runtime: runtime)
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return GatewayServer(channel: channel)
    }

    /// Builds one connection's decoder before the listener accepts anything.
    /// A CI run caught the gateway crashing (null dereference inside the
    /// Swift runtime's conformance check) while two event loops instantiated
    /// `ByteToMessageHandler<HTTPRequestDecoder>`'s metadata for their first
    /// connections at the same moment. Instantiating it once, on one thread,
    /// means no connection ever does it concurrently. The root cause (runtime
    /// race or corruption elsewhere) is not proven; this removes the window.
    private static func warmUp(runtime: GatewayRuntime) {
        _ = makeDecoder(runtime: runtime)
        _ = ClientByteCounter()
    }

    private static func makeDecoder(runtime: GatewayRuntime) -> ByteToMessageHandler<HTTPRequestDecoder> {
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderFieldSize = runtime.client.maxHeaderBytes
        decoderLimits.maxHeaderListSize = runtime.client.maxHeaderBytes
        return ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes,
                                                       informationalResponseStrategy: .drop,
                                                       limitConfiguration: decoderLimits))
    }

    /// Only NIO's decoder, with the byte counter before it: ProxyHTTPHandler
    /// writes whole responses as bytes and keeps pipelined requests in order
    /// itself (see there for why). The decoder's own limits are set to
    /// `max_header_bytes` as well: it counts the request line and header
    /// fields exactly, but not their separators.
    static func configure(_ pipeline: ChannelPipeline.SynchronousOperations, runtime: GatewayRuntime) throws {
        try pipeline.addHandler(ClientByteCounter())
        try pipeline.addHandler(makeDecoder(runtime: runtime))
        try pipeline.addHandler(ProxyHTTPHandler(runtime: runtime))
    }

    /// Stops accepting connections. Connections already open finish their
    /// current request.
    public func stopAccepting() async {
        try? await channel.close()
    }

    /// Returns when the listener is closed.
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }
}
