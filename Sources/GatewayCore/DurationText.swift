/// Durations as written in gateway.yaml: a whole number and a unit, `250ms`,
/// `30s`, `10m`, `24h`, or several run together (`1m30s`), as Go and
/// Prometheus write them.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let bytes = Array(text.trimmingASCIIWhitespace().utf8)
        guard !bytes.isEmpty else { return nil }
        var totalMilliseconds = 0
        var index = 0
        while index < bytes.count {
            var number = 0
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                let (times, o1) = number.multipliedReportingOverflow(by: 10)
                let (plus, o2) = times.addingReportingOverflow(Int(bytes[index] - 48))
                guard !o1, !o2 else { return nil }
                number = plus
                index += 1
            }
            guard index > start else { return nil }
            let unitStart = index
            while index < bytes.count, !(bytes[index] >= 48 && bytes[index] <= 57) { index += 1 }
            let millisecondsPerUnit: Int
            switch String(decoding: bytes[unitStart..<index], as: UTF8.self) {
            case "ms": millisecondsPerUnit = 1
            case "s": millisecondsPerUnit = 1000
            case "m": millisecondsPerUnit = 60_000
            case "h": millisecondsPerUnit = 3_600_000
            case "d": millisecondsPerUnit = 86_400_000
            default: return nil
            }
            // Overflow is refused rather than trapped: a config typo must
            // become an error message, never a crash.
            // The sum is checked too, so `milliseconds` of the result never traps.
            let (milliseconds, overflow) = number.multipliedReportingOverflow(by: millisecondsPerUnit)
            let (sum, sumOverflow) = totalMilliseconds.addingReportingOverflow(milliseconds)
            guard !overflow, !sumOverflow else { return nil }
            totalMilliseconds = sum
        }
        return .milliseconds(totalMilliseconds)
    }

    /// The inverse, for messages: the largest unit that divides evenly.
    public static func format(_ duration: Duration) -> String {
        let ms = duration.milliseconds
        if ms % 3_600_000 == 0, ms > 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0, ms > 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}

extension Duration {
    /// Whole milliseconds, truncated; what Redis PX and libcurl take.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Whole seconds rounded up, at least 1: the value of a Retry-After header.
    public var retryAfterSeconds: Int {
        let ms = milliseconds
        return max(1, Int((ms + 999) / 1000))
    }
}
