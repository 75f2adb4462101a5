/// One store key as support sees it (`IdempotencyStore.inspect`): the raw
/// record, so an unreadable one can still be reported and purged, with its
/// remaining TTL and the key's fencing counter.
public struct KeyInspection: Sendable, Hashable {
    /// The record exactly as stored.
    public var bytes: [UInt8]
    /// Time left before the record expires; nil when it has no TTL.
    public var remaining: Duration?
    /// The last fencing number handed out for the key; nil when the counter
    /// has expired (or was never written, for a record written by hand).
    public var fence: UInt64?

    public init(bytes: [UInt8], remaining: Duration?, fence: UInt64?) {
        self.bytes = bytes
        self.remaining = remaining
        self.fence = fence
    }

    /// Nil for bytes this version cannot read.
    public var record: IdempotencyRecord? { IdempotencyRecord.decode(bytes) }

    public var state: KeyState {
        switch record {
        case nil: return .unreadable
        case .pending?: return .inFlight
        case .completed(_, let snapshot)?:
            if !snapshot.bodyKept { return .notKept }
            return Self.isOutcomeUnknown(snapshot) ? .outcomeUnknown : .completed
        }
    }

    /// The stored answer's status; nil while in flight or unreadable.
    public var status: Int? {
        guard case .completed(_, let snapshot)? = record else { return nil }
        return snapshot.status
    }

    /// `on_ambiguous: hold` stores the gateway's own `outcome-unknown`
    /// problem (see `Problems.outcomeUnknown`) as an ordinary snapshot; it is
    /// recognised by its status, media type and `type` member, which the
    /// gateway writes first.
    static func isOutcomeUnknown(_ snapshot: Snapshot) -> Bool {
        guard snapshot.status == 502,
              snapshot.headers.contains(where: { $0.name.lowercased() == "content-type" && $0.value == "application/problem+json" })
        else { return false }
        return snapshot.body.starts(with: outcomeUnknownPrefix)
    }

    private static let outcomeUnknownPrefix = Array("{\"type\":\(JSONText.quote(Problems.outcomeUnknown(upstream: "", cause: .timeout).typeURI)),".utf8)
}
