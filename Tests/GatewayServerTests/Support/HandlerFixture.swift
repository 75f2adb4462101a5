import GatewayCore
import GatewayTestSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import GatewayServer

/// A client connection as the listener builds it (byte counter, NIO's
/// decoder, `ProxyHTTPHandler`) on an `EmbeddedChannel`, over a runtime with
/// a `MemoryStore` and a `FakeTransport`. Its one route, `plain` (prefix
/// `/v1`), is pass-through, so a request never leaves the test's thread:
/// the fake answers without suspending unless told to hold.
struct HandlerFixture {
    static let limits = ClientLimits(headerTimeout: .seconds(10), bodyTimeout: .seconds(20), keepaliveTimeout: .seconds(30),
                                     sendTimeout: .seconds(40), maxConnections: 10, maxHeaderBytes: 4096)

    let channel: EmbeddedChannel
    let transport: FakeTransport
    let drainer: ConnectionDrainer
    /// What a reload publishes to.
    let snapshots: RuntimeSnapshots

    var loop: EmbeddedEventLoop { channel.embeddedEventLoop }

    init(transport: FakeTransport = FakeTransport(status: 200, body: "ok"), limits: ClientLimits = HandlerFixture.limits,
         maxRequestBody: Int = 1024) throws {
        self.transport = transport
        drainer = ConnectionDrainer()
        let upstream = UpstreamSettings(name: "main", baseURL: "http://upstream.test")
        snapshots = RuntimeSnapshots(RuntimeSnapshot(
            generation: 1,
            routes: RouteTable([Route(name: "plain", match: RouteMatch(path: .prefix("/v1")), upstream: upstream, idempotency: nil)]),
            pipeline: RequestPipeline(store: MemoryStore(), transport: transport),
            metrics: GatewayMetrics(routes: ["plain"], upstreams: ["main"])))
        let runtime = GatewayRuntime(
            snapshots: snapshots, maxRequestBody: ByteSize(bytes: maxRequestBody), client: limits,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), drainer: drainer)
        channel = EmbeddedChannel()
        try GatewayServer.configure(channel.pipeline.syncOperations, runtime: runtime)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    /// Sends raw bytes as one read.
    func send(_ text: String) throws {
        try channel.writeInbound(channel.allocator.buffer(string: text))
    }

    /// Runs what is queued on the loop (the pipeline's task) until nothing is.
    func settle() {
        for _ in 0..<10 { loop.run() }
    }

    /// Everything written so far, as text.
    func output() throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        return text
    }

    /// The status codes of the responses in `text`, in order.
    static func statuses(_ text: String) -> [Int] {
        text.components(separatedBy: "HTTP/1.").dropFirst().compactMap { Int($0.dropFirst(2).prefix(3)) }
    }

    var isOpen: Bool { channel.isActive }

    static func post(_ path: String, body: String = "{}", extra: String = "") -> String {
        "POST \(path) HTTP/1.1\r\nHost: gw\r\n\(extra)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }
}
