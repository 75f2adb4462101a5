/// A cluster node's answer that the key's slot is served elsewhere.
/// `MOVED` is permanent (the slot map changed); `ASK` is for one command,
/// while a slot migrates, and must be preceded by `ASKING` on the target.
struct RedisRedirect: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case moved
        case ask
    }

    let kind: Kind
    let slot: Int
    let host: String
    let port: Int

    /// Parses `MOVED 3999 127.0.0.1:6381` or `ASK 3999 127.0.0.1:6381`;
    /// nil for any other error text. An empty host (Redis 7 may announce
    /// none) means the host of the node that answered.
    init?(errorMessage: String, answeredBy node: RedisEndpoint) {
        let parts = errorMessage.split(separator: " ")
        guard parts.count == 3, let slot = Int(parts[1]), (0..<RedisKeySlot.count).contains(slot),
              let colon = parts[2].lastIndex(of: ":"), let port = Int(parts[2][parts[2].index(after: colon)...])
        else { return nil }
        switch parts[0] {
        case "MOVED": kind = .moved
        case "ASK": kind = .ask
        default: return nil
        }
        self.slot = slot
        let host = String(parts[2][..<colon])
        self.host = host.isEmpty ? node.host : host
        self.port = port
    }
}
