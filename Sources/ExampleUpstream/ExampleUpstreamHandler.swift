import NIOCore
import NIOHTTP1

/// Answers every request after recording it. Request headers steer the
/// answer, so a test can ask the upstream behind the gateway to fail, stall or
/// answer big without reconfiguring anything:
/// - `X-Upstream-Status: 503` answers with that status;
/// - `X-Upstream-Delay-Ms: 500` answers after that long;
/// - `X-Upstream-Body-Size: 300000` answers with that many patterned bytes;
/// - `X-Upstream-Stream-Size: 300000000` answers with that many bytes of the
///   pattern `i % 251`, generated as it goes (never held whole) and written
///   only while the connection is writable; with `X-Upstream-Stream-Cut: N`
///   it closes the connection after N of them, mid-body;
/// - `X-Upstream-Close: 1` closes the connection without answering;
/// - `X-Upstream-Hop: 1` adds hop-by-hop headers to the response.
/// `GET /__stats` returns the ledger's counts and is not recorded.
final class ExampleUpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let ledger: UpstreamLedger
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// The generated body being written, if any.
    private var generated: GeneratedBodyWriter?

    init(ledger: UpstreamLedger) {
        self.ledger = ledger
    }

    func channelActive(context: ChannelHandlerContext) {
        ledger.connectionAccepted()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.removeAll(keepingCapacity: true)
        case .body(var chunk):
            body.append(contentsOf: chunk.readBytes(length: chunk.readableBytes) ?? [])
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, head: head)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let generated, context.channel.isWritable, generated.writeMore(context: context, wrap: wrapOutboundOut) {
            self.generated = nil
        }
        context.fireChannelWritabilityChanged()
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let keepAlive = head.isKeepAlive
        if head.uri == "/__stats" {
            write(context: context, status: .ok, headers: [("Content-Type", "application/json")],
                  body: Array(ledger.statsJSON.utf8), keepAlive: keepAlive)
            return
        }
        let recorded = RecordedRequest(method: head.method.rawValue, uri: head.uri,
                                       headers: head.headers.map { ($0.name, $0.value) }, body: body)
        let sequence = ledger.execute(recorded)
        let fields = head.headers
        let status = fields.first(name: "X-Upstream-Status").flatMap(Int.init) ?? 201
        let delay = fields.first(name: "X-Upstream-Delay-Ms").flatMap(Int64.init) ?? 0
        let close = fields.first(name: "X-Upstream-Close") == "1"

        var headers: [(String, String)] = [
            ("Content-Type", "application/json"),
            ("X-Upstream-Execution", String(sequence)),
            ("X-Multi", "a"),
            ("X-Multi", "b"),
        ]
        if fields.first(name: "X-Upstream-Hop") == "1" {
            headers += [("Connection", "X-Hop-Secret"), ("X-Hop-Secret", "leak"), ("Keep-Alive", "timeout=5"),
                        ("Proxy-Connection", "keep-alive"), ("Trailer", "X-Checksum"), ("Upgrade", "h2c")]
        }
        let responseBody: [UInt8]
        if let size = fields.first(name: "X-Upstream-Body-Size").flatMap(Int.init) {
            responseBody = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ sequence) }
            headers[0] = ("Content-Type", "application/octet-stream")
        } else {
            let key = fields.first(name: "Idempotency-Key") ?? ""
            let json = "{\"execution\":\(sequence),\"method\":\"\(head.method.rawValue)\",\"uri\":\(Self.quote(head.uri)),\"key\":\(Self.quote(key)),\"body_bytes\":\(body.count)}"
            responseBody = Array(json.utf8)
        }

        if let size = fields.first(name: "X-Upstream-Stream-Size").flatMap(Int.init) {
            ledger.finish()
            var responseFields = HTTPHeaders(headers)
            responseFields.replaceOrAdd(name: "Content-Type", value: "application/octet-stream")
            responseFields.replaceOrAdd(name: "Content-Length", value: String(size))
            if !keepAlive { responseFields.replaceOrAdd(name: "Connection", value: "close") }
            let responseHead = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: responseFields)
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            let cut = fields.first(name: "X-Upstream-Stream-Cut").flatMap(Int.init)
            let writer = GeneratedBodyWriter(length: size, cutAfter: cut, keepAlive: keepAlive)
            if !writer.writeMore(context: context, wrap: wrapOutboundOut) { generated = writer }
            return
        }
        let responseHeaders = headers
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let answer: @Sendable () -> Void = {
            let (handler, context) = loopBound.value
            handler.ledger.finish()
            if close {
                context.close(promise: nil)
                return
            }
            handler.write(context: context, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders,
                          body: responseBody, keepAlive: keepAlive)
        }
        if delay > 0 {
            context.eventLoop.scheduleTask(in: .milliseconds(delay)) { answer() }
        } else {
            answer()
        }
    }

    private func write(context: ChannelHandlerContext, status: HTTPResponseStatus, headers: [(String, String)], body: [UInt8], keepAlive: Bool) {
        var fields = HTTPHeaders(headers)
        fields.replaceOrAdd(name: "Content-Length", value: String(body.count))
        if !keepAlive { fields.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: fields)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for character in text {
            if character == "\"" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out + "\""
    }
}
