internal import CHiredis
import GatewayCore

/// hiredis's RESP parser, fed the bytes a connection receives: the same
/// parser the blocking client uses inside `redisGetReply`, without its
/// socket. Pure computation, so it may run on an event loop.
///
/// Not `Sendable`: one connection's handler owns it on its event loop.
final class RedisReplyReader {
    private let reader: UnsafeMutablePointer<redisReader>

    init() {
        guard let reader = redisReaderCreate() else {
            fatalError("redisReaderCreate returned NULL: out of memory")
        }
        self.reader = reader
    }

    deinit {
        redisReaderFree(reader)
    }

    /// Adds received bytes; false when hiredis could not take them.
    func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        return redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count) == REDIS_OK
    }

    /// The next complete reply, nil when more bytes are needed. Throws on a
    /// protocol error: the stream cannot be resynchronised after one.
    func next() throws(StoreUnavailable) -> RedisReply? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
            throw StoreUnavailable("Redis sent a reply that is not RESP: \(gateway_redis_reader_error(reader).map { String(cString: $0) } ?? "protocol error")")
        }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return RedisReplyDecoder.decode(raw.assumingMemoryBound(to: redisReply.self))
    }
}
