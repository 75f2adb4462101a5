/// The ASCII digits of a non-negative integer, most significant first, handed
/// one at a time to whoever writes them: a Redis argument, a Content-Length.
/// No string is built for them.
public enum DecimalDigits {
    @inlinable
    public static func forEach(of value: Int, _ body: (UInt8) -> Void) {
        precondition(value >= 0)
        var divisor = 1
        while value / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            body(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
