import NIOCore
import Synchronization

/// Raw bytes to the gateway, with a deadline: what came back (possibly
/// nothing), and whether the gateway closed the connection. Unlike
/// `TestHTTPClient.sendPipelined` it never waits for ever, so a case where
/// the gateway hangs fails instead of hanging the suite.
struct RawExchange: Sendable {
    var statuses: [Int]
    var closed: Bool
    /// No answer and no close before the deadline.
    var hung: Bool

    static func run(port: Int, bytes: [UInt8], responses: Int, closeWithin: TimeAmount = .milliseconds(300),
                    deadline: Duration = .seconds(5)) async -> RawExchange {
        let outcome = Mutex<RawExchange?>(nil)
        let stream = AsyncStream<RawExchange>.makeStream()
        let finish: @Sendable (RawExchange) -> Void = { result in
            let first = outcome.withLock { value -> Bool in
                guard value == nil else { return false }
                value = result
                return true
            }
            if first {
                stream.continuation.yield(result)
                stream.continuation.finish()
            }
        }
        let worker = Task {
            do {
                let (answers, closed) = try await TestHTTPClient.sendPipelined(port: port, bytes: bytes, responses: responses,
                                                                                 closeWithin: closeWithin)
                finish(RawExchange(statuses: answers.map(\.status), closed: closed, hung: false))
            } catch {
                // Closed (or reset) before any answer.
                finish(RawExchange(statuses: [], closed: true, hung: false))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: deadline)
            finish(RawExchange(statuses: [], closed: false, hung: true))
        }
        var result = RawExchange(statuses: [], closed: false, hung: true)
        for await value in stream.stream { result = value }
        timer.cancel()
        _ = worker
        return result
    }
}
