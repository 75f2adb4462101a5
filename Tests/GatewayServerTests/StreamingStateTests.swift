import GatewayCore
import NIOCore
import NIOHTTP1
import Testing

@testable import GatewayServer

/// The `.streaming` state alone: what the machine decides when an answer's
/// body streams, without a channel.
@Suite("ProxyConnectionStateMachine while streaming")
struct StreamingStateTests {
    typealias Tests = ProxyConnectionStateMachineTests
    static let t1 = Tests.start + .seconds(1)

    /// A machine processing one request (HTTP/1.1 unless `head` says otherwise).
    static func processing(_ head: HTTPRequestHead = Tests.head()) -> ProxyConnectionStateMachine {
        var machine = Tests.machine()
        _ = machine.receive(.part(.head(head)), now: t1)
        _ = machine.receive(.part(.end(nil)), now: t1)
        return machine
    }

    @Test func inputWaitsUntilTheStreamEndsAndOnlySendTimeoutRuns() {
        var machine = Self.processing()
        #expect(machine.responseReady(draining: false, now: Self.t1, streamed: .chunked) == .keepAlive)
        #expect(machine.deadline == nil)
        _ = machine.receive(.bytes(40, http09: false), now: Self.t1)
        _ = machine.receive(.part(.head(Tests.head("/v1/b"))), now: Self.t1)
        #expect(machine.hasBacklog)
        #expect(machine.nextBacklogged(now: Self.t1) == nil)
        machine.writabilityChanged(writable: false, now: Self.t1)
        #expect(machine.deadline == Self.t1 + .seconds(40))
        machine.writabilityChanged(writable: true, now: Self.t1)
        let t2 = Self.t1 + .seconds(100)
        #expect(machine.streamEnded(completely: true, now: t2) == .keepAlive)
        // The waiting input is taken up now.
        #expect(machine.nextBacklogged(now: t2) != nil)
    }

    @Test func aBrokenStreamClosesEvenAKeepAliveConnection() {
        var machine = Self.processing()
        _ = machine.responseReady(draining: false, now: Self.t1, streamed: .contentLength(10))
        _ = machine.receive(.bytes(40, http09: false), now: Self.t1)
        #expect(machine.streamEnded(completely: false, now: Self.t1) == .close)
        #expect(!machine.isOpen)
        #expect(!machine.hasBacklog)
    }

    @Test func aCloseDelimitedBodyClosesAfterItEnds() {
        var machine = Self.processing(HTTPRequestHead(version: .http1_0, method: .GET, uri: "/v1/a",
                                                      headers: ["Connection": "keep-alive"]))
        #expect(machine.responseReady(draining: false, now: Self.t1, streamed: .closeDelimited) == .close)
        #expect(machine.isOpen)
        #expect(machine.streamEnded(completely: true, now: Self.t1) == .close)
        #expect(!machine.isOpen)
    }

    @Test func quiesceWhileStreamingClosesAfterTheBody() {
        var machine = Self.processing()
        _ = machine.responseReady(draining: false, now: Self.t1, streamed: .chunked)
        guard case .none = machine.quiesce() else {
            Issue.record("a streaming connection is not closed at once")
            return
        }
        #expect(machine.isOpen)
        #expect(machine.streamEnded(completely: true, now: Self.t1) == .close)
    }

    @Test func aStreamEndingAfterTheConnectionClosedIsDiscarded() {
        var machine = Self.processing()
        _ = machine.responseReady(draining: false, now: Self.t1, streamed: .chunked)
        machine.closed()
        #expect(machine.streamEnded(completely: true, now: Self.t1) == .discard)
    }
}
