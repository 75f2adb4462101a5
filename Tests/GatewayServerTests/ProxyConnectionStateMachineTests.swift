import GatewayCore
import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayServer

/// The state machine alone: inputs in, actions out, time passed by hand.
@Suite("ProxyConnectionStateMachine")
struct ProxyConnectionStateMachineTests {
    static let limits = ProxyConnectionStateMachine.Limits(
        maxRequestBody: ByteSize(bytes: 100), maxHeaderBytes: 1000, headerTimeout: .seconds(10), bodyTimeout: .seconds(20),
        keepaliveTimeout: .seconds(30), sendTimeout: .seconds(40))
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func head(_ uri: String = "/v1/a", headers: [(String, String)] = [("Host", "gw"), ("Content-Length", "2")]) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: .POST, uri: uri, headers: HTTPHeaders(headers))
    }

    static func machine() -> ProxyConnectionStateMachine {
        ProxyConnectionStateMachine(limits: limits, allocator: ByteBufferAllocator(), now: start)
    }

    @Test func theDeadlineFollowsTheState() {
        var machine = Self.machine()
        #expect(machine.deadline == Self.start + .seconds(30))
        let t1 = Self.start + .seconds(1)
        _ = machine.receive(.bytes(10, http09: false), now: t1)
        #expect(machine.deadline == t1 + .seconds(10))
        _ = machine.receive(.part(.head(Self.head())), now: t1)
        #expect(machine.deadline == t1 + .seconds(20))
        guard case .run = machine.receive(.part(.end(nil)), now: t1) else {
            Issue.record("a complete request is run")
            return
        }
        #expect(machine.deadline == nil)
        machine.writabilityChanged(writable: false, now: t1)
        #expect(machine.deadline == t1 + .seconds(40))
    }

    /// An answer still being sent is not idleness: the keepalive timeout
    /// (shorter here) waits until it has left, and a client that stopped
    /// reading it is cut off by the send timeout, counted as such.
    @Test func aStalledAnswerIsTheSendTimeoutsNotKeepalives() {
        let limits = ProxyConnectionStateMachine.Limits(
            maxRequestBody: ByteSize(bytes: 100), maxHeaderBytes: 1000, headerTimeout: .seconds(10), bodyTimeout: .seconds(20),
            keepaliveTimeout: .seconds(1), sendTimeout: .seconds(2))
        var machine = ProxyConnectionStateMachine(limits: limits, allocator: ByteBufferAllocator(), now: Self.start)
        _ = machine.receive(.part(.head(Self.head())), now: Self.start)
        _ = machine.receive(.part(.body(ByteBuffer(string: "ab"))), now: Self.start)
        guard case .run = machine.receive(.part(.end(nil)), now: Self.start) else {
            Issue.record("a complete request is run")
            return
        }
        #expect(machine.responseReady(draining: false, now: Self.start) == .keepAlive)
        machine.writabilityChanged(writable: false, now: Self.start)
        #expect(machine.deadline == Self.start + .seconds(2))
        let (early, none) = machine.timerFired(now: Self.start + .milliseconds(1500))
        guard case .none = early, none == nil else {
            Issue.record("nothing is due at 1.5 s while the answer is being sent")
            return
        }
        let (late, kind) = machine.timerFired(now: Self.start + .seconds(2))
        guard case .close = late else {
            Issue.record("the send timeout closes")
            return
        }
        #expect(kind == .send)

        // Once the answer has left, keepalive counts from then.
        var reading = ProxyConnectionStateMachine(limits: limits, allocator: ByteBufferAllocator(), now: Self.start)
        _ = reading.receive(.part(.head(Self.head())), now: Self.start)
        _ = reading.receive(.part(.body(ByteBuffer(string: "ab"))), now: Self.start)
        _ = reading.receive(.part(.end(nil)), now: Self.start)
        _ = reading.responseReady(draining: false, now: Self.start)
        reading.writabilityChanged(writable: false, now: Self.start)
        let sent = Self.start + .milliseconds(1500)
        reading.writabilityChanged(writable: true, now: sent)
        #expect(reading.deadline == sent + .seconds(1))
        #expect(reading.timerFired(now: sent + .seconds(1)).1 == .keepalive)
    }

    @Test func aHeadIsRefusedOneReadAfterItPassesTheLimit() {
        var machine = Self.machine()
        _ = machine.receive(.bytes(600, http09: false), now: Self.start)
        guard case .none = machine.receive(.bytes(600, http09: false), now: Self.start) else {
            Issue.record("1200 bytes counted so far, but only 600 known to be head before this read")
            return
        }
        guard case .refuse(nil, let problem) = machine.receive(.bytes(1, http09: false), now: Self.start) else {
            Issue.record("a head past max_header_bytes is refused")
            return
        }
        #expect(problem.status == 431)
        #expect(!machine.isOpen)
    }

    @Test func quiesceDuringABodyClosesAfterTheAnswer() {
        var machine = Self.machine()
        _ = machine.receive(.part(.head(Self.head())), now: Self.start)
        _ = machine.quiesce()
        _ = machine.receive(.part(.body(ByteBuffer(string: "{}"))), now: Self.start)
        _ = machine.receive(.part(.end(nil)), now: Self.start)
        #expect(machine.responseReady(draining: false, now: Self.start) == .close)
        #expect(!machine.isOpen)
    }

    @Test func onlyTheFirstParserErrorWaitsInTheBacklog() {
        var machine = Self.machine()
        _ = machine.receive(.part(.head(Self.head(headers: [("Host", "gw")]))), now: Self.start)
        _ = machine.receive(.part(.end(nil)), now: Self.start)
        _ = machine.receive(.parserError(.invalidContentLength), now: Self.start)
        _ = machine.receive(.parserError(.invalidHeaderToken), now: Self.start)
        #expect(machine.responseReady(draining: false, now: Self.start) == .keepAlive)
        guard case .refuse(nil, let problem) = machine.nextBacklogged(now: Self.start) else {
            Issue.record("the waiting parser error is answered")
            return
        }
        #expect(problem.detail.contains("invalid or duplicate Content-Length"))
        #expect(!machine.hasBacklog)
    }
}
