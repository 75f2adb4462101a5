import Synchronization

/// 128 bits that no other call returns, in this process or (with
/// overwhelming odds) in any other gateway process: owner tokens and request
/// ids need uniqueness, not secrecy.
///
/// Why not `SystemRandomNumberGenerator` per call: on Linux each `next()` is
/// a `getrandom(2)` system call, and a claim token drew 16 of them. On this
/// request path a system call costs microseconds, so the random part is
/// drawn once per process and a counter supplies the rest.
///
/// `high` is the process's random prefix. `low` is a counter passed through
/// the splitmix64 finaliser, a bijection on 64 bits: distinct counters give
/// distinct values, and consecutive ids still look unrelated in logs.
public enum UniqueBits {
    private static let prefix: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
    private static let offset: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
    private static let counter = Atomic<UInt64>(0)

    public static func next() -> (high: UInt64, low: UInt64) {
        let count = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return (prefix, mix(count &+ offset))
    }

    /// `next()` as 16 bytes, `high` first, big-endian.
    public static func nextBytes() -> [UInt8] {
        let (high, low) = next()
        return withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { Array($0) }
    }

    /// splitmix64's output function; invertible, so it never maps two
    /// inputs to one output.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
