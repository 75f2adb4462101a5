/// A completed upstream response as the gateway keeps it for replays.
public struct Snapshot: Sendable, Hashable {
    /// The upstream's status code.
    public var status: Int
    /// End-to-end headers only: hop-by-hop fields and framing are never stored.
    public var headers: [HeaderField]
    /// The body bytes; empty when `bodyKept` is false.
    public var body: [UInt8]
    /// False when the response was larger than `limits.max_stored_body`. The
    /// operation still counts as done, so a retry must not execute it again;
    /// it is told the outcome instead of getting the body.
    public var bodyKept: Bool

    public init(status: Int, headers: [HeaderField], body: [UInt8], bodyKept: Bool = true) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyKept = bodyKept
    }

    func encode(into writer: inout ByteWriter) {
        writer.write(UInt32(status))
        writer.write(UInt8(bodyKept ? 1 : 0))
        writer.write(UInt32(headers.count))
        for header in headers {
            writer.writeField(header.name.utf8)
            writer.writeField(header.value.utf8)
        }
        writer.writeField(body)
    }

    static func decode(from reader: inout ByteReader) -> Snapshot? {
        guard let status = reader.readUInt32(),
              let kept = reader.readByte(),
              let count = reader.readUInt32()
        else { return nil }
        var headers: [HeaderField] = []
        headers.reserveCapacity(Int(min(count, 256)))
        for _ in 0..<count {
            guard let name = reader.readField(), let value = reader.readField() else { return nil }
            headers.append(HeaderField(name: String(decoding: name, as: UTF8.self),
                                       value: String(decoding: value, as: UTF8.self)))
        }
        guard let body = reader.readField() else { return nil }
        return Snapshot(status: Int(status), headers: headers, body: Array(body), bodyKept: kept == 1)
    }
}
