import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An upstream that speaks raw TCP, so a test can answer with bytes no HTTP
/// library would write (NUL in a header, two Content-Lengths, a bad status
/// line), close or reset at a chosen moment, and see the request bytes exactly
/// as they arrived (the path included, which libcurl might have rewritten).
///
/// Blocking sockets on plain threads: one accepting, one per connection. Each
/// request read counts as one execution; the script then decides the answer.
final class RawUpstream: Sendable {
    /// One request as read off the wire.
    struct Request: Sendable {
        /// 1-based number of the connection it came on, in accept order.
        var connection: Int
        /// 0 for the first request on its connection, 1 for the next, ...
        var indexOnConnection: Int
        var method: String
        /// The request target exactly as sent.
        var target: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// What the upstream does once it has read a request.
    enum Reply: Sendable {
        /// Writes the bytes, then keeps the connection for the next request.
        case answer([UInt8])
        /// Writes the bytes, then closes (FIN).
        case answerAndClose([UInt8])
        /// Waits, then closes without a byte of answer.
        case closeAfter(Duration)
        /// Resets the connection (RST) without answering.
        case reset
        /// Writes the bytes, waits, then resets.
        case answerThenReset([UInt8], after: Duration)
        /// A 200 with a Content-Length of `length` and a `GeneratedBody`,
        /// written block by block (never held whole); with `cutAfter`, stops
        /// after that many body bytes, waits `hold` and closes; otherwise
        /// keeps the connection. `chunked` frames it with Transfer-Encoding:
        /// chunked (one chunk per block) instead of a Content-Length.
        case generated(length: Int, cutAfter: Int? = nil, hold: Duration = .zero, chunked: Bool = false)

        /// A complete response with a Content-Length.
        static func ok(_ body: String = "ok", status: Int = 200, headers: [String] = []) -> Reply {
            .answer(Array(("HTTP/1.1 \(status) OK\r\n" + headers.map { $0 + "\r\n" }.joined()
                + "Content-Length: \(body.utf8.count)\r\n\r\n" + body).utf8))
        }
    }

    private struct State {
        var requests: [Request] = []
        var connections = 0
        var descriptors: [Int32] = []
        var closed = false
        var bodyBytesSent = 0
        var connectionsEnded = 0
    }

    let port: Int
    private let listener: Int32
    private let state = Mutex(State())
    private let script: @Sendable (Request) -> Reply

    init(script: @escaping @Sendable (Request) -> Reply) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var on: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 128) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard descriptor >= 0, ready else { throw RawUpstreamError.cannotListen }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        self.script = script
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Every request read so far, in order: each is one execution.
    var requests: [Request] { state.withLock { $0.requests } }
    var executions: Int { state.withLock { $0.requests.count } }
    var connectionsAccepted: Int { state.withLock { $0.connections } }
    /// Generated body bytes accepted by the kernel so far, all connections.
    var bodyBytesSent: Int { state.withLock { $0.bodyBytesSent } }
    /// Connections this side has finished with (the peer closed, a write
    /// failed, or the script closed it).
    var connectionsEnded: Int { state.withLock { $0.connectionsEnded } }

    /// Requests that carried this Idempotency-Key.
    func executions(key: String) -> Int {
        state.withLock { $0.requests.filter { $0.header("Idempotency-Key") == key }.count }
    }

    /// Stops accepting and drops every open connection. Only shuts sockets
    /// down: the threads that use them close them, so a descriptor number is
    /// never released while a thread may still call accept or recv on it
    /// (under load, an old accept thread took the next test's connection on a
    /// reused number and closed it: "Empty reply from server").
    func close() {
        state.withLock { state in
            state.closed = true
            _ = shutdown(listener, Int32(SHUT_RDWR))
            for descriptor in state.descriptors { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        defer { _ = Glibc.close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let number = state.withLock { state -> Int? in
                guard !state.closed else { return nil }
                state.connections += 1
                state.descriptors.append(client)
                return state.connections
            }
            guard let number else {
                _ = Glibc.close(client)
                return
            }
            Thread.detachNewThread { [self] in serve(client, connection: number) }
        }
    }

    private func serve(_ client: Int32, connection: Int) {
        var buffer: [UInt8] = []
        var index = 0
        defer {
            // Forgotten and closed under the lock, so `close()` never shuts
            // down a descriptor number the system has handed to someone else.
            state.withLock {
                $0.descriptors.removeAll { $0 == client }
                $0.connectionsEnded += 1
                _ = Glibc.close(client)
            }
        }
        while let request = Self.readRequest(client, buffer: &buffer, connection: connection, index: index) {
            index += 1
            state.withLock { $0.requests.append(request) }
            switch script(request) {
            case .answer(let bytes):
                guard Self.write(client, bytes) else { return }
            case .answerAndClose(let bytes):
                _ = Self.write(client, bytes)
                return
            case .closeAfter(let pause):
                Thread.sleep(forTimeInterval: Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18)
                return
            case .reset:
                Self.reset(client)
                return
            case .generated(let length, let cutAfter, let hold, let chunked):
                let framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: \(length)"
                guard Self.write(client, Array("HTTP/1.1 200 OK\r\n\(framing)\r\n\r\n".utf8)) else { return }
                let sent = GeneratedBody.write(min(length, cutAfter ?? length)) { bytes in
                    let framed = chunked ? Array("\(String(bytes.count, radix: 16))\r\n".utf8) + bytes + [13, 10] : bytes
                    guard Self.write(client, framed) else { return false }
                    state.withLock { $0.bodyBytesSent += bytes.count }
                    return true
                }
                guard sent, cutAfter == nil else {
                    Thread.sleep(forTimeInterval: Double(hold.components.seconds) + Double(hold.components.attoseconds) / 1e18)
                    return
                }
                if chunked, !Self.write(client, Array("0\r\n\r\n".utf8)) { return }
            case .answerThenReset(let bytes, let pause):
                _ = Self.write(client, bytes)
                Thread.sleep(forTimeInterval: Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18)
                Self.reset(client)
                return
            }
        }
    }

    /// SO_LINGER with a zero timeout turns close(2) into an RST.
    private static func reset(_ client: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    private static func write(_ client: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    /// Reads one request head and its Content-Length body; nil at end of stream.
    private static func readRequest(_ client: Int32, buffer: inout [UInt8], connection: Int, index: Int) -> Request? {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while true {
            if let found = buffer.firstRange(of: separator) {
                headEnd = found.lowerBound
                break
            }
            guard readMore(client, into: &buffer) else { return nil }
        }
        guard let headEnd else { return nil }
        let lines = String(decoding: buffer[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3 else { return nil }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        let bodyStart = headEnd + 4
        while buffer.count < bodyStart + length {
            guard readMore(client, into: &buffer) else { return nil }
        }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return Request(connection: connection, indexOnConnection: index, method: String(requestLine[0]),
                       target: String(requestLine[1]), headers: headers, body: body)
    }

    private static func readMore(_ client: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(client, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer += chunk[0..<count]
        return true
    }
}

enum RawUpstreamError: Error {
    case cannotListen
}
