import Testing
@testable import GatewayCore

@Suite struct IdempotencyRecordTests {
    private let fingerprint = Fingerprint.compute(method: "POST", path: "/v1/charges", query: nil, body: Array("a".utf8))
    private let other = Fingerprint.compute(method: "POST", path: "/v1/charges", query: nil, body: Array("b".utf8))
    private let token = ClaimToken(bytes: Array(0..<16))

    private var allBytes: [UInt8] { (0...255).map { UInt8($0) } }

    @Test func pendingRoundTrips() {
        let record = IdempotencyRecord.pending(PendingClaim(fingerprint: fingerprint, token: token))
        let decoded = IdempotencyRecord.decode(record.encoded())
        #expect(decoded == record)
        #expect(record.encoded().count == 2 + 32 + 16)
    }

    @Test func completedRoundTripsEveryByteValueAndDuplicateHeaders() {
        let snapshot = Snapshot(
            status: 201,
            headers: [
                HeaderField(name: "Set-Cookie", value: "a=1"),
                HeaderField(name: "Content-Type", value: "application/octet-stream"),
                HeaderField(name: "Set-Cookie", value: "b=2"),
                HeaderField(name: "X-Empty", value: ""),
                HeaderField(name: "X-Unicode", value: "café ✓"),
            ],
            body: allBytes + allBytes.reversed())
        let record = IdempotencyRecord.completed(fingerprint: fingerprint, snapshot: snapshot)
        guard case .completed(let decodedPrint, let decoded)? = IdempotencyRecord.decode(record.encoded()) else {
            Issue.record("a completed record did not decode")
            return
        }
        #expect(decodedPrint == fingerprint)
        #expect(decoded.status == 201)
        #expect(decoded.body == allBytes + allBytes.reversed())
        #expect(decoded.headers == snapshot.headers)
        #expect(decoded.headers.values(named: "set-cookie") == ["a=1", "b=2"])
        #expect(decoded.bodyKept)
    }

    @Test func emptyBodyAndNoHeadersRoundTrip() {
        let record = IdempotencyRecord.completed(fingerprint: fingerprint, snapshot: Snapshot(status: 204, headers: [], body: []))
        #expect(IdempotencyRecord.decode(record.encoded()) == record)
    }

    @Test func bodyNotKeptRoundTrips() {
        let snapshot = Snapshot(status: 200, headers: [], body: [], bodyKept: false)
        let record = IdempotencyRecord.completed(fingerprint: fingerprint, snapshot: snapshot)
        guard case .completed(_, let decoded)? = IdempotencyRecord.decode(record.encoded()) else {
            Issue.record("did not decode")
            return
        }
        #expect(decoded.bodyKept == false)
        #expect(decoded.status == 200)
    }

    @Test func garbageDecodesToNil() {
        #expect(IdempotencyRecord.decode([]) == nil)
        #expect(IdempotencyRecord.decode(Array("hello world".utf8)) == nil)
        #expect(IdempotencyRecord.decode([UInt8](repeating: 0xFF, count: 200)) == nil)
        // A valid header and fingerprint with an unknown tag.
        #expect(IdempotencyRecord.decode([UInt8(ascii: "X"), 1] + fingerprint.bytes + token.bytes) == nil)
    }

    @Test func unknownVersionDecodesToNil() {
        var bytes = IdempotencyRecord.pending(PendingClaim(fingerprint: fingerprint, token: token)).encoded()
        bytes[1] = 2
        #expect(IdempotencyRecord.decode(bytes) == nil)
    }

    @Test func everyTruncationDecodesToNil() {
        let snapshot = Snapshot(status: 200, headers: [HeaderField(name: "A", value: "b")], body: Array("body".utf8))
        let encoded = IdempotencyRecord.completed(fingerprint: fingerprint, snapshot: snapshot).encoded()
        for length in 0..<encoded.count {
            #expect(IdempotencyRecord.decode(Array(encoded.prefix(length))) == nil, "prefix of \(length) bytes")
        }
        let pending = IdempotencyRecord.pending(PendingClaim(fingerprint: fingerprint, token: token)).encoded()
        for length in 0..<pending.count {
            #expect(IdempotencyRecord.decode(Array(pending.prefix(length))) == nil)
        }
    }

    @Test func trailingBytesDecodeToNil() {
        let pending = IdempotencyRecord.pending(PendingClaim(fingerprint: fingerprint, token: token)).encoded()
        #expect(IdempotencyRecord.decode(pending + [0]) == nil)
        let completed = IdempotencyRecord.completed(fingerprint: fingerprint, snapshot: Snapshot(status: 200, headers: [], body: [1])).encoded()
        #expect(IdempotencyRecord.decode(completed + [0]) == nil)
    }

    @Test func hugeDeclaredLengthDecodesToNil() {
        var writer = ByteWriter()
        writer.write(UInt8(ascii: "C"))
        writer.write(UInt8(1))
        writer.writeRaw(fingerprint.bytes)
        writer.write(UInt32(200))
        writer.write(UInt8(1))
        writer.write(UInt32.max)   // header count far beyond the bytes present
        #expect(IdempotencyRecord.decode(writer.bytes) == nil)
    }

    @Test func pendingWithSameFingerprintIsInFlightWithItsLease() {
        let record = IdempotencyRecord.pending(PendingClaim(fingerprint: fingerprint, token: token))
        #expect(record.claimResult(for: fingerprint, remainingLease: .seconds(7)) == .inFlight(remainingLease: .seconds(7)))
    }

    @Test func completedWithSameFingerprintReplays() {
        let snapshot = Snapshot(status: 201, headers: [], body: Array("ok".utf8))
        let record = IdempotencyRecord.completed(fingerprint: fingerprint, snapshot: snapshot)
        #expect(record.claimResult(for: fingerprint, remainingLease: .seconds(1)) == .completed(snapshot))
    }

    @Test func otherFingerprintIsAMismatchWhetherPendingOrCompleted() {
        let pending = IdempotencyRecord.pending(PendingClaim(fingerprint: fingerprint, token: token))
        let completed = IdempotencyRecord.completed(fingerprint: fingerprint, snapshot: Snapshot(status: 200, headers: [], body: []))
        #expect(pending.claimResult(for: other, remainingLease: .seconds(1)) == .mismatch)
        #expect(completed.claimResult(for: other, remainingLease: .seconds(1)) == .mismatch)
        #expect(pending.fingerprint == fingerprint)
        #expect(completed.fingerprint == fingerprint)
    }

    @Test func randomTokensDiffer() {
        let a = ClaimToken.random()
        let b = ClaimToken.random()
        #expect(a.bytes.count == 16)
        #expect(a != b)
    }
}
