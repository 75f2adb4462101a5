/// Which master serves each of the 16384 slots, as `CLUSTER SLOTS` reported
/// it. Replicas are left out: every command of the gateway writes.
struct RedisSlotMap: Sendable {
    /// Index into `masters` per slot; -1 where no node serves the slot.
    private var owners: [Int16]
    private(set) var masters: [RedisEndpoint]

    init() {
        owners = Array(repeating: -1, count: RedisKeySlot.count)
        masters = []
    }

    /// Parses a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, …],
    /// replicas…], …]`. Hosts come without credentials: `template` supplies
    /// the user, password and database of the seeds, and the host of the
    /// node asked, for entries that announce an empty host.
    init?(clusterSlots reply: RedisReply, template: RedisEndpoint) {
        guard case .array(let ranges) = reply else { return nil }
        self.init()
        for range in ranges {
            guard case .array(let fields) = range, fields.count >= 3,
                  case .integer(let start) = fields[0], case .integer(let end) = fields[1],
                  start >= 0, end >= start, end < RedisKeySlot.count,
                  case .array(let master) = fields[2], master.count >= 2,
                  case .integer(let port) = master[1]
            else { return nil }
            var host = template.host
            if case .bulk(let bytes) = master[0], !bytes.isEmpty { host = String(decoding: bytes, as: UTF8.self) }
            var endpoint = template
            endpoint.host = host
            endpoint.port = Int(port)
            assign(Int(start)...Int(end), to: endpoint)
        }
        guard !masters.isEmpty else { return nil }
    }

    /// The master for `slot`, if the map has one.
    func master(for slot: Int) -> RedisEndpoint? {
        let index = owners[slot]
        return index < 0 ? nil : masters[Int(index)]
    }

    /// Records a MOVED answer: `slot` now lives on `endpoint`.
    mutating func assign(_ slots: ClosedRange<Int>, to endpoint: RedisEndpoint) {
        let index: Int
        if let known = masters.firstIndex(of: endpoint) {
            index = known
        } else {
            masters.append(endpoint)
            index = masters.count - 1
        }
        for slot in slots { owners[slot] = Int16(index) }
    }
}
