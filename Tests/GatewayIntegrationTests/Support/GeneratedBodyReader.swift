import Foundation
import NIOCore

/// `GeneratedBodyClient`'s handler: an incremental HTTP/1 response parser
/// that checks body bytes against `GeneratedBody` and drops them.
final class GeneratedBodyReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private enum Framing {
        case length(Int)
        case chunked
        case close
    }

    private enum Phase {
        case head
        /// Raw body bytes still expected (Content-Length), or until close.
        case body(remaining: Int?)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailer
        case done
    }

    private let promise: EventLoopPromise<GeneratedBodyClient.Result>
    private let closeWithin: TimeAmount
    private var phase = Phase.head
    private var pending: [UInt8] = []
    private var result = GeneratedBodyClient.Result(status: 0, headers: [], bodyBytes: 0, intact: true, complete: false, closed: false)
    private var fulfilled = false

    init(promise: EventLoopPromise<GeneratedBodyClient.Result>, closeWithin: TimeAmount) {
        self.promise = promise
        self.closeWithin = closeWithin
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        var progress = true
        while progress, !pending.isEmpty { progress = step(context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        result.closed = true
        fulfil()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        result.reset = true
        context.close(promise: nil)
    }

    /// Consumes what it can of `pending`; false when it needs more bytes.
    private func step(context: ChannelHandlerContext) -> Bool {
        switch phase {
        case .head:
            guard let end = find([13, 10, 13, 10]) else { return false }
            parseHead(String(decoding: pending[..<end], as: UTF8.self))
            pending.removeFirst(end + 4)
            switch framing() {
            case .length(let length): phase = .body(remaining: length)
            case .chunked: phase = .chunkSize
            case .close: phase = .body(remaining: nil)
            }
            if case .body(remaining: 0) = phase { finish(context: context) }
        case .body(let remaining):
            let count = min(pending.count, remaining ?? pending.count)
            take(count)
            if let remaining {
                phase = .body(remaining: remaining - count)
                if remaining == count { finish(context: context) }
            }
        case .chunkSize:
            guard let end = find([13, 10]) else { return false }
            let line = String(decoding: pending[..<end], as: UTF8.self)
            pending.removeFirst(end + 2)
            guard let size = Int(line.split(separator: ";").first ?? "", radix: 16) else {
                result.intact = false
                phase = .done
                return false
            }
            phase = size == 0 ? .trailer : .chunkData(remaining: size)
        case .chunkData(let remaining):
            let count = min(pending.count, remaining)
            take(count)
            phase = remaining == count ? .chunkDataEnd : .chunkData(remaining: remaining - count)
        case .chunkDataEnd:
            guard pending.count >= 2 else { return false }
            if pending[0] != 13 || pending[1] != 10 { result.intact = false }
            pending.removeFirst(2)
            phase = .chunkSize
        case .trailer:
            guard pending.count >= 2 else { return false }
            // No trailers from the gateway: the last chunk ends "0\r\n\r\n".
            if pending[0] != 13 || pending[1] != 10 { result.intact = false }
            pending.removeFirst(2)
            finish(context: context)
        case .done:
            // Anything after the end is another response: not expected here.
            pending.removeAll()
            result.intact = false
            return false
        }
        return true
    }

    private func take(_ count: Int) {
        guard count > 0 else { return }
        let bytes = Array(pending[..<count])
        if result.intact, !GeneratedBody.matches(bytes, at: result.bodyBytes) { result.intact = false }
        result.bodyBytes += count
        pending.removeFirst(count)
    }

    private func finish(context: ChannelHandlerContext) {
        phase = .done
        result.complete = true
        let loop = context.eventLoop
        loop.assumeIsolated().scheduleTask(in: closeWithin) { self.fulfil() }
    }

    private func fulfil() {
        guard !fulfilled, result.status != 0 || result.closed else { return }
        fulfilled = true
        if result.status == 0 {
            promise.fail(GeneratedBodyClient.NoResponse())
        } else {
            promise.succeed(result)
        }
    }

    private func parseHead(_ text: String) {
        let lines = text.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        result.status = parts.count >= 2 ? Int(parts[1]) ?? -1 : -1
        result.headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    private func framing() -> Framing {
        if result.header("Transfer-Encoding")?.lowercased() == "chunked" { return .chunked }
        if let length = result.header("Content-Length").flatMap(Int.init) { return .length(length) }
        return .close
    }

    private func find(_ separator: [UInt8]) -> Int? {
        guard pending.count >= separator.count else { return nil }
        return (0...(pending.count - separator.count)).first { index in
            separator.indices.allSatisfy { pending[index + $0] == separator[$0] }
        }
    }
}
