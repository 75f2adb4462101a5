/// RFC 8785 §3.2.2.3: a number is written as ECMAScript's
/// `Number.prototype.toString` writes the IEEE-754 double it parses to.
/// Swift's `description` already finds the shortest digits that round-trip
/// (and the closest of them), but lays them out differently (`1e-07`,
/// `9007199254740992.0`, `1e+23` from 2^53 on), so we take its digits and
/// exponent and lay them out as ECMAScript does.
public enum CanonicalNumber {
    /// The canonical text of a finite double; nil for NaN and infinities,
    /// which JSON cannot carry.
    public static func format(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        if value == 0 { return "0" }  // -0 too
        let (digits, exponent) = shortestDigits(of: value.magnitude)
        return (value < 0 ? "-" : "") + layout(digits: digits, exponent: exponent)
    }

    /// The canonical text of a JSON number as written; nil when it is out
    /// of the double range (I-JSON: such a number cannot be interchanged).
    public static func format(literal text: String) -> String? {
        // An integer of up to 15 digits is exact as a double and written
        // back as it is (JSON has no leading zeros); only -0 changes.
        let utf8 = text.utf8
        let digits = utf8.first == UInt8(ascii: "-") ? utf8.count - 1 : utf8.count
        if digits <= 15, utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") || $0 == UInt8(ascii: "-") }) {
            return text == "-0" ? "0" : text
        }
        guard let value = Double(text) else { return nil }
        return format(value)
    }

    /// Digits `d1…dk` (no leading or trailing zeros) and `n` with
    /// value = 0.d1…dk × 10^n, read from Swift's shortest representation.
    static func shortestDigits(of magnitude: Double) -> (digits: [UInt8], exponent: Int) {
        let text = Array(magnitude.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let mark = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = text[..<mark]
            // Swift writes "e-07" or "e+23"; Int accepts either sign.
            exponent = Int(String(decoding: text[(mark + 1)...], as: UTF8.self)) ?? 0
        }
        var digits: [UInt8] = []
        var integerDigits = 0
        var seenPoint = false
        for byte in mantissa {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
            } else {
                digits.append(byte)
                if !seenPoint { integerDigits += 1 }
            }
        }
        var n = integerDigits + exponent
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            n -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, n)
    }

    /// ECMA-262 Number::toString, steps for a positive finite value with
    /// digits s (k of them) and exponent n.
    static func layout(digits: [UInt8], exponent n: Int) -> String {
        let k = digits.count
        let s = String(decoding: digits, as: UTF8.self)
        if k <= n && n <= 21 {
            return s + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            return String(decoding: digits[..<n], as: UTF8.self) + "." + String(decoding: digits[n...], as: UTF8.self)
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + s
        }
        let e = n - 1
        let exponentText = (e < 0 ? "e-" : "e+") + String(e.magnitude)
        if k == 1 { return s + exponentText }
        return String(decoding: digits[..<1], as: UTF8.self) + "." + String(decoding: digits[1...], as: UTF8.self) + exponentText
    }
}
