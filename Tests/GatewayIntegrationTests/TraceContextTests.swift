import Foundation
import Testing

/// W3C Trace Context on the wire: the upstream receives a `traceparent`
/// naming the client's trace (or a new one) and the gateway's span as its
/// parent, whatever the client sent.
@Suite(.serialized)
struct TraceContextTests {
    private static let clientParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    /// `traceparent` as the upstream saw it: exactly one, well formed.
    private func forwardedParts(_ f: GatewayFixture) throws -> [Substring] {
        let values = try #require(f.ledger.requests.last).headers(named: "traceparent")
        #expect(values.count == 1, "the upstream saw \(values)")
        let value = try #require(values.first)
        #expect(value.utf8.count == 55)
        #expect(value.allSatisfy { $0 == "-" || $0.isNumber || ("a"..."f").contains($0) })
        let parts = value.split(separator: "-")
        #expect(parts.count == 4 && parts[0] == "00")
        #expect(parts.count > 2 && parts[1] != String(repeating: "0", count: 32) && parts[2] != String(repeating: "0", count: 16))
        return parts
    }

    @Test func aClientsTraceIsContinuedUnderTheGatewaysSpan() async throws {
        let f = try await GatewayFixture(logFormat: "json")
        let response = try await f.post("/v1/refunds", key: "trace-1", headers: [
            ("traceparent", Self.clientParent), ("tracestate", "vendor=opaque"), ("X-Request-Id", "trace-line-1"),
            // A client cannot make the gateway's traceparent hop-by-hop.
            ("Connection", "keep-alive, traceparent"),
        ])
        #expect(response.status == 201)
        let parts = try forwardedParts(f)
        #expect(parts[1] == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(parts[2] != "00f067aa0ba902b7", "the upstream must see the gateway's span, not the client's")
        #expect(parts[3] == "01")
        #expect(f.ledger.requests.last?.headers(named: "tracestate") == ["vendor=opaque"])
        let line = try await AccessLogLines.line(requestID: "trace-line-1", in: f.gateway)
        #expect(line["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")

        // An event line names the trace too: here the upstream is unreachable.
        let failed = try await f.post("/v1/ghost", key: "trace-ghost", headers: [("traceparent", Self.clientParent)])
        #expect(failed.status == 502)
        await f.gateway.waitForLog(containing: "upstream call failed")
        let event = f.gateway.log.split(separator: "\n").first { $0.contains("upstream call failed") }.map(String.init) ?? ""
        #expect(event.contains(#""trace_id":"4bf92f3577b34da6a3ce929d0e0e4736""#), "\(event)")

        // A pass-through route continues it the same way.
        _ = try await f.post("/v1/anything", key: nil, headers: [("traceparent", Self.clientParent)])
        #expect(try forwardedParts(f)[1] == "4bf92f3577b34da6a3ce929d0e0e4736")
        await f.shutdown()
    }

    @Test func anInvalidTraceparentStartsANewTrace() async throws {
        let f = try await GatewayFixture(logFormat: "json")
        let invalid = [
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",  // uppercase
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero parent id
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // forbidden version
            "garbage",
        ]
        var traces: Set<Substring> = []
        for (index, value) in invalid.enumerated() {
            let response = try await f.post("/v1/refunds", key: "bad-trace-\(index)", headers: [
                ("traceparent", value), ("tracestate", "vendor=stale"), ("X-Request-Id", "bad-trace-line-\(index)"),
            ])
            #expect(response.status == 201)
            let parts = try forwardedParts(f)
            #expect(parts[1] != "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(parts[1] != "00000000000000000000000000000000")
            // tracestate belongs to the trace it came with.
            #expect(f.ledger.requests.last?.headers(named: "tracestate") == [])
            let line = try await AccessLogLines.line(requestID: "bad-trace-line-\(index)", in: f.gateway)
            #expect(line["trace_id"] as? String == String(parts[1]))
            traces.insert(parts[1])
        }
        #expect(traces.count == invalid.count, "each new trace has its own id")

        // Two traceparent fields are invalid too.
        _ = try await f.post("/v1/refunds", key: "bad-trace-twice", headers: [
            ("traceparent", Self.clientParent), ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        ])
        let twice = try forwardedParts(f)
        #expect(twice[1] != "4bf92f3577b34da6a3ce929d0e0e4736" && twice[1] != "0af7651916cd43dd8448eb211c80319c")
        await f.shutdown()
    }

    @Test func aRequestWithoutTraceparentStartsATrace() async throws {
        let f = try await GatewayFixture(logFormat: "json")
        _ = try await f.post("/v1/refunds", key: "no-trace-1", headers: [("X-Request-Id", "no-trace-line-1")])
        let first = try forwardedParts(f)
        _ = try await f.post("/v1/refunds", key: "no-trace-2", headers: [("X-Request-Id", "no-trace-line-2")])
        let second = try forwardedParts(f)
        #expect(first[1] != second[1])
        #expect(first[2] != second[2])
        let line = try await AccessLogLines.line(requestID: "no-trace-line-1", in: f.gateway)
        #expect(line["trace_id"] as? String == String(first[1]))
        await f.shutdown()
    }
}
