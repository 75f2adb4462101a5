#if canImport(Glibc)
import Glibc
#endif

/// A body of any length that is never held whole: byte `i` is `i % 251`, so
/// an upstream can write it block by block and a test can check any chunk at
/// any offset with one memcmp (a prime period catches shifted, repeated or
/// dropped blocks of any power-of-two size).
enum GeneratedBody {
    static let period = 251
    /// 261 periods, about 64 KiB: every block starts at offset 0 mod `period`.
    static let block: [UInt8] = (0..<(251 * 261)).map { UInt8($0 % 251) }

    /// Hands `length` bytes to `write` in blocks; false if `write` gave up.
    static func write(_ length: Int, _ write: ([UInt8]) -> Bool) -> Bool {
        var remaining = length
        while remaining > 0 {
            let count = min(remaining, block.count)
            guard write(count == block.count ? block : Array(block[..<count])) else { return false }
            remaining -= count
        }
        return true
    }

    /// True when `bytes` is exactly the body's bytes from `offset` on.
    static func matches(_ bytes: [UInt8], at offset: Int) -> Bool {
        var done = 0
        let usable = block.count - period
        while done < bytes.count {
            let count = min(bytes.count - done, usable)
            let start = (offset + done) % period
            let equal = bytes.withUnsafeBytes { chunk in
                block.withUnsafeBytes { reference in
                    memcmp(chunk.baseAddress! + done, reference.baseAddress! + start, count) == 0
                }
            }
            guard equal else { return false }
            done += count
        }
        return true
    }
}
