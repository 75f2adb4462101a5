import Testing
@testable import GatewayCore

/// W3C Trace Context `traceparent`: what is read as valid, what starts a new
/// trace, and the value sent on.
@Suite struct TraceParentTests {
    private let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func aValidValueIsRead() throws {
        let parsed = try #require(TraceParent.parse(valid))
        #expect(parsed.traceHigh == 0x4bf9_2f35_77b3_4da6)
        #expect(parsed.traceLow == 0xa3ce_929d_0e0e_4736)
        #expect(parsed.spanID == 0x00f0_67aa_0ba9_02b7)
        #expect(parsed.sampled)
        #expect(parsed.header == valid)
        #expect(parsed.traceIDHex == "4bf92f3577b34da6a3ce929d0e0e4736")
    }

    @Test(arguments: [
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",                 // short
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",          // version 00 has no suffix
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",               // uppercase
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",               // zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",               // zero parent id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",               // forbidden version
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",               // separator
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",               // not hex
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",              // future version, bad suffix
    ])
    func anInvalidValueIsRefused(_ value: String) {
        #expect(TraceParent.parse(value) == nil)
    }

    @Test func aFutureVersionIsReadAsVersion00() throws {
        let parsed = try #require(TraceParent.parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds"))
        #expect(parsed.header == valid)
    }

    @Test func aValidParentIsContinuedUnderANewSpan() {
        let trace = TraceContext.resolve(valid)
        #expect(trace.continued)
        #expect(trace.parentSpanID == 0x00f0_67aa_0ba9_02b7)
        #expect(trace.traceIDHex == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(trace.own.spanID != 0x00f0_67aa_0ba9_02b7)
        #expect(trace.forwarded.hasPrefix("00-4bf92f3577b34da6a3ce929d0e0e4736-"))
        #expect(trace.forwarded.hasSuffix("-01"))
        #expect(TraceParent.parse(trace.forwarded) != nil)
    }

    @Test func anInvalidOrMissingParentStartsATrace() {
        let first = TraceContext.resolve("00-garbage")
        let second = TraceContext.resolve(nil)
        #expect(!first.continued && !second.continued)
        #expect(first.traceIDHex != second.traceIDHex)
        #expect(TraceParent.parse(first.forwarded) != nil)
        #expect(first.forwarded.hasSuffix("-00"))
        #expect(TraceContext.resolve(nil, sampleNew: { _ in true }).forwarded.hasSuffix("-01"))
    }
}
