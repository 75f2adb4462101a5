/// What `<prefix>:op:{<id>}` holds: where an async operation's answer will
/// be, and whose it is. Any gateway can answer a poll from it, since it names
/// the record's store key; the scope digest lets a poll prove it comes from
/// the same tenant without the gateway keeping the scope's values.
public struct OperationRecord: Sendable, Hashable {
    /// How far the operation got, as far as this record knows. While it says
    /// `running`, the record under `storeKey` decides (see `PollState`).
    public enum State: Sendable, Hashable {
        /// Accepted with 202; the call may still run, or have died.
        case running
        /// Settled, and its response is the completed record under `storeKey`.
        case settled
        /// Settled without a completed record (the status policy released
        /// the claim, or the lease was lost): this is the answer the first
        /// client would have had.
        case answered(Snapshot)
    }

    public var storeKey: String
    public var route: String
    /// `OperationScope.digest` of the request that started it.
    public var scope: String
    public var fingerprint: Fingerprint
    public var state: State

    public init(storeKey: String, route: String, scope: String, fingerprint: Fingerprint, state: State = .running) {
        self.storeKey = storeKey
        self.route = route
        self.scope = scope
        self.fingerprint = fingerprint
        self.state = state
    }

    private static let tag = UInt8(ascii: "O")
    private static let formatVersion: UInt8 = 1

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 192)
        writer.write(Self.tag)
        writer.write(Self.formatVersion)
        writer.writeField(storeKey.utf8)
        writer.writeField(route.utf8)
        writer.writeField(scope.utf8)
        writer.writeRaw(fingerprint.bytes)
        switch state {
        case .running: writer.write(UInt8(0))
        case .settled: writer.write(UInt8(1))
        case .answered(let snapshot):
            writer.write(UInt8(2))
            snapshot.encode(into: &writer)
        }
        return writer.bytes
    }

    /// Nil for bytes this version did not write.
    public static func decode(_ bytes: [UInt8]) -> OperationRecord? {
        var reader = ByteReader(bytes)
        guard reader.readByte() == tag, reader.readByte() == formatVersion,
              let storeKey = reader.readField(), let route = reader.readField(), let scope = reader.readField(),
              let digest = reader.readRaw(count: 32), let stateTag = reader.readByte()
        else { return nil }
        let state: State
        switch stateTag {
        case 0: state = .running
        case 1: state = .settled
        case 2:
            guard let snapshot = Snapshot.decode(from: &reader) else { return nil }
            state = .answered(snapshot)
        default: return nil
        }
        guard reader.isAtEnd else { return nil }
        return OperationRecord(storeKey: String(decoding: storeKey, as: UTF8.self), route: String(decoding: route, as: UTF8.self),
                               scope: String(decoding: scope, as: UTF8.self), fingerprint: Fingerprint(bytes: Array(digest)),
                               state: state)
    }

    /// What a poll answers, given the record now under `storeKey` (nil when
    /// there is none): a completed record for this request is the answer; a
    /// pending one that is this operation's claim means it still runs;
    /// anything else means the execution was lost (its lease expired with
    /// no record, or a retry has claimed the key since).
    public func pollState(id: OperationID, record: IdempotencyRecord?) -> PollState {
        switch (state, record) {
        case (.answered(let snapshot), _):
            return .done(snapshot)
        case (_, .completed(let fingerprint, let snapshot)?) where fingerprint == self.fingerprint:
            return .done(snapshot)
        case (.running, .pending(let claim)?) where claim.operation == id:
            return .running
        case (.settled, nil):
            // The stored response expired (a few ms before this record) or
            // was purged: as gone as an expired operation.
            return .expired
        default:
            return .lost
        }
    }

    /// The answer to a poll.
    public enum PollState: Sendable, Hashable {
        case running
        case done(Snapshot)
        case lost
        case expired
    }
}
