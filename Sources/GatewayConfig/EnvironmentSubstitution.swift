/// `${NAME}` in any scalar value is replaced by that environment variable, so
/// secrets (a Redis password) and per-host values stay out of the file.
///
/// `$$` stands for a literal `$`, so `$${NAME}` yields the text `${NAME}`. A
/// `$` followed by anything else is kept as written, so most values that
/// happen to contain a dollar sign need no escaping. An unset variable is an
/// error rather than an empty string: silently connecting to `redis://:6379`
/// or authenticating with an empty password hides the real mistake.
///
/// `${NAME:-default}` (the shell's and Compose's form) yields `default` when
/// `NAME` is unset or empty, so one file can carry working local values and
/// still be overridden per host (the quick start's ports use it).
enum EnvironmentSubstitution {
    static func substitute(_ text: String, from environment: [String: String]) -> Result<String, ValueError> {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "$")) else { return .success(text) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var unset: [String] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let next = index + 1 < bytes.count ? bytes[index + 1] : nil
            guard byte == UInt8(ascii: "$"), let next else {
                output.append(byte)
                index += 1
                continue
            }
            if next == UInt8(ascii: "$") {
                output.append(byte)
                index += 2
                continue
            }
            guard next == UInt8(ascii: "{") else {
                output.append(byte)
                index += 1
                continue
            }
            let nameStart = index + 2
            guard let close = bytes[nameStart...].firstIndex(of: UInt8(ascii: "}")) else {
                return .failure(ValueError("unterminated `${` (write `$${` for a literal `${`)"))
            }
            let reference = String(decoding: bytes[nameStart..<close], as: UTF8.self)
            let name: String
            let fallback: String?
            if let separator = reference.range(of: ":-") {
                name = String(reference[..<separator.lowerBound])
                fallback = String(reference[separator.upperBound...])
            } else {
                name = reference
                fallback = nil
            }
            guard isValidName(name) else {
                return .failure(ValueError(
                    "`${\(name)}` is not a valid environment variable reference (use letters, digits and `_`; write `$$` for a literal `$`)"))
            }
            if let value = environment[name], !(fallback != nil && value.isEmpty) {
                output.append(contentsOf: value.utf8)
            } else if let fallback {
                output.append(contentsOf: fallback.utf8)
            } else if !unset.contains(name) {
                unset.append(name)
            }
            index = close + 1
        }
        if !unset.isEmpty {
            let names = unset.map { "`\($0)`" }.joined(separator: ", ")
            return .failure(ValueError(
                unset.count == 1 ? "environment variable \(names) is not set" : "environment variables \(names) are not set"))
        }
        return .success(String(decoding: output, as: UTF8.self))
    }

    /// POSIX shell names: a letter or `_`, then letters, digits or `_`.
    private static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_")
        }
    }
}
