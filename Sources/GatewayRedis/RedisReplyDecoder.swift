internal import CHiredis

/// Turns a hiredis reply tree into a `RedisReply`, copying what it keeps:
/// the caller frees the hiredis objects right after.
enum RedisReplyDecoder {
    static func decode(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            return .bulk(Array(UnsafeRawBufferPointer(start: value.str, count: value.len)))
        case REDIS_REPLY_STATUS:
            return .status(text(value))
        case REDIS_REPLY_ERROR:
            return .error(text(value))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(value.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<value.elements).map { decode(value.element[$0]!) })
        default:
            return .null
        }
    }

    private static func text(_ value: redisReply) -> String {
        String(decoding: UnsafeRawBufferPointer(start: value.str, count: value.len), as: UTF8.self)
    }
}
