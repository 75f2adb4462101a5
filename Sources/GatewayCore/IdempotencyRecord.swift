/// The value kept under one store key: either a claim in progress or a
/// completed response. Both stores use this one encoding, so the Redis Lua
/// scripts can compare records byte for byte without understanding them.
public enum IdempotencyRecord: Sendable, Hashable {
    case pending(PendingClaim)
    case completed(fingerprint: Fingerprint, snapshot: Snapshot)

    private static let pendingTag = UInt8(ascii: "P")
    private static let completedTag = UInt8(ascii: "C")
    private static let formatVersion: UInt8 = 1

    public var fingerprint: Fingerprint {
        switch self {
        case .pending(let claim): return claim.fingerprint
        case .completed(let fingerprint, _): return fingerprint
        }
    }

    public func encoded() -> [UInt8] {
        var writer: ByteWriter
        switch self {
        case .pending(let claim):
            writer = ByteWriter(capacity: 50)
            writer.write(Self.pendingTag)
            writer.write(Self.formatVersion)
            writer.writeRaw(claim.fingerprint.bytes)
            writer.writeRaw(claim.token.bytes)
            // Only on `async` routes; other claims keep their 50 bytes.
            if let operation = claim.operation { writer.writeRaw(operation.bytes) }
        case .completed(let fingerprint, let snapshot):
            writer = ByteWriter(capacity: 64 + snapshot.body.count)
            writer.write(Self.completedTag)
            writer.write(Self.formatVersion)
            writer.writeRaw(fingerprint.bytes)
            snapshot.encode(into: &writer)
        }
        return writer.bytes
    }

    /// Nil for bytes this version did not write.
    public static func decode(_ bytes: [UInt8]) -> IdempotencyRecord? {
        var reader = ByteReader(bytes)
        guard let tag = reader.readByte(), reader.readByte() == formatVersion,
              let digest = reader.readRaw(count: 32)
        else { return nil }
        let fingerprint = Fingerprint(bytes: Array(digest))
        switch tag {
        case pendingTag:
            guard let token = reader.readRaw(count: 16) else { return nil }
            var operation: OperationID?
            if !reader.isAtEnd {
                guard let bytes = reader.readRaw(count: 16) else { return nil }
                operation = OperationID(bytes: Array(bytes))
            }
            guard reader.isAtEnd else { return nil }
            return .pending(PendingClaim(fingerprint: fingerprint, token: ClaimToken(bytes: Array(token)), operation: operation))
        case completedTag:
            guard let snapshot = Snapshot.decode(from: &reader), reader.isAtEnd else { return nil }
            return .completed(fingerprint: fingerprint, snapshot: snapshot)
        default:
            return nil
        }
    }

    /// What a new claim with `fingerprint` learns when this record already
    /// holds the key. The decision lives here, not in each store.
    public func claimResult(for fingerprint: Fingerprint, remainingLease: Duration) -> ClaimResult {
        guard fingerprint == self.fingerprint else { return .mismatch }
        switch self {
        case .pending(let claim):
            if let operation = claim.operation { return .running(operation, remainingLease: remainingLease) }
            return .inFlight(remainingLease: remainingLease)
        case .completed(_, let snapshot): return .completed(snapshot)
        }
    }
}
