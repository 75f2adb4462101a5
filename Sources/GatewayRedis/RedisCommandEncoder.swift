internal import CHiredis
import NIOCore

/// Formats a command as RESP with hiredis's binary-safe argv formatter (the
/// one `redisCommandArgv` uses) and appends it to an outbound buffer.
enum RedisCommandEncoder {
    static func append(_ arguments: RedisArguments, to buffer: inout ByteBuffer) {
        var command: UnsafeMutablePointer<CChar>?
        let length = arguments.withArgv { count, argv, lengths in
            redisFormatCommandArgv(&command, count, argv, lengths)
        }
        guard length > 0, let command else {
            // Only allocation failure makes hiredis refuse to format.
            fatalError("redisFormatCommandArgv failed: out of memory")
        }
        defer { redisFreeCommand(command) }
        buffer.writeBytes(UnsafeRawBufferPointer(start: command, count: Int(length)))
    }
}
