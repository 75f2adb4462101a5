internal import Yams
import GatewayCore

/// Scalar readers. Each reports its own problem and returns nil for an
/// unusable value, so callers can fall back and keep walking.
extension ConfigReader {
    /// An optional field: absent gives `defaultValue`, present goes through `read`.
    func optional<T>(_ map: FieldMap, _ key: String, default defaultValue: T, _ read: (Node, FieldPath) -> T?) -> T? {
        guard let node = map[key] else { return defaultValue }
        return read(node, map.path(key))
    }

    /// The longest duration accepted: ten years. Far beyond any sensible TTL,
    /// and far below where millisecond arithmetic (Redis PX, libcurl) overflows.
    static let maximumDuration = Duration.seconds(3650 * 86_400)

    /// `250ms`, `30s`, `10m`, `24h`. Zero is refused unless `allowZero`, since a
    /// zero timeout or TTL is almost always a slip rather than a wish.
    func duration(_ node: Node, at path: FieldPath, allowZero: Bool = false) -> Duration? {
        guard let text = text(node, at: path, expected: "a duration") else { return nil }
        // DurationText.parse multiplies in Int and would trap on a huge number,
        // so absurdly long digit runs are refused before it sees them.
        let longestDigitRun = text.split { !($0.isASCII && $0.isNumber) }.map(\.count).max() ?? 0
        guard longestDigitRun <= 12, let duration = DurationText.parse(text) else {
            report(path, "\"\(text)\" is not a duration (use e.g. 250ms, 30s, 10m, 24h)")
            return nil
        }
        guard duration <= Self.maximumDuration else {
            report(path, "\"\(text)\" is too long (at most 3650d)")
            return nil
        }
        guard allowZero || duration > .zero else {
            report(path, "must be greater than zero")
            return nil
        }
        return duration
    }

    /// `512`, `64KiB`, `1MiB`; zero is refused, since it would reject everything.
    func byteSize(_ node: Node, at path: FieldPath) -> ByteSize? {
        guard let text = text(node, at: path, expected: "a size") else { return nil }
        guard let size = ByteSize(parsing: text) else {
            report(path, "\"\(text)\" is not a size (use e.g. 512, 64KiB, 1MiB)")
            return nil
        }
        guard size.bytes > 0 else {
            report(path, "must be greater than zero")
            return nil
        }
        return size
    }

    /// A whole number such as `20`, within `range`. The text is read, not the
    /// YAML tag, so a quoted value or a `${NAME}` substitution works the same;
    /// `20.5`, `1e3`, `0x10` and `1_000` are refused rather than rounded or
    /// guessed at. `expected` names the field's kind in the message.
    func integer(_ node: Node, at path: FieldPath, in range: ClosedRange<Int> = Int.min...Int.max,
                 expected: String = "an integer") -> Int? {
        guard let text = text(node, at: path, expected: expected) else { return nil }
        guard let value = Int(text) else {
            let digits = text.drop { $0 == "-" || $0 == "+" }
            if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
                report(path, "\(text) is too large")
            } else {
                report(path, "expected \(expected), found \"\(text)\"")
            }
            return nil
        }
        guard range.contains(value) else {
            report(path, Self.outOfRange(String(value), range))
            return nil
        }
        return value
    }

    /// "must be at least 1, found 0" or "must be between 100 and 599, found 700".
    private static func outOfRange(_ value: String, _ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max {
            return "must be at least \(range.lowerBound), found \(value)"
        }
        if range.lowerBound == Int.min {
            return "must be at most \(range.upperBound), found \(value)"
        }
        return "must be between \(range.lowerBound) and \(range.upperBound), found \(value)"
    }

    /// A decimal number such as `0.5` or `1`. Only plain decimal notation
    /// (with an optional exponent) is read: Swift's own parser would also take
    /// `nan`, `inf` and hexadecimal floats, none of which belongs in a config.
    func number(_ node: Node, at path: FieldPath, expected: String = "a number") -> Double? {
        guard let text = text(node, at: path, expected: expected) else { return nil }
        let decimal = text.contains { $0.isASCII && $0.isNumber }
            && text.allSatisfy { ($0.isASCII && $0.isNumber) || "+-.eE".contains($0) }
        guard decimal, let value = Double(text), value.isFinite else {
            report(path, "expected \(expected), found \"\(text)\"")
            return nil
        }
        return value
    }

    /// `true` or `false`. YAML 1.1's `yes`/`no`/`on`/`off` are refused: they
    /// are a classic source of surprises (the "Norway problem").
    func bool(_ node: Node, at path: FieldPath) -> Bool? {
        guard let text = text(node, at: path, expected: "true or false") else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default:
            report(path, "expected true or false, found \"\(text)\"")
            return nil
        }
    }

    /// One of a fixed set of words, with a suggestion for a near miss.
    func choice(_ node: Node, at path: FieldPath, among options: [String]) -> String? {
        let expected = options.map { "`\($0)`" }.joined(separator: ", ")
        guard let text = text(node, at: path, expected: "one of \(expected)") else { return nil }
        guard options.contains(text) else {
            var message = "`\(text)` is not one of \(expected)"
            if let suggestion = FieldSuggestion.closest(to: text, among: options) {
                message += "; did you mean `\(suggestion)`?"
            }
            report(path, message)
            return nil
        }
        return text
    }

    /// `choice` for an enum whose raw values are the spellings in the file.
    func choice<Value: CaseIterable & RawRepresentable>(_ node: Node, at path: FieldPath, as type: Value.Type) -> Value?
    where Value.RawValue == String {
        choice(node, at: path, among: Value.allCases.map(\.rawValue)).flatMap(Value.init(rawValue:))
    }

    /// A list whose elements are read by `element`; nil if the list or any
    /// element is unusable, after every element has been checked.
    func list<Element>(_ node: Node, at path: FieldPath, _ element: (Node, FieldPath) -> Element?) -> [Element]? {
        guard let items = items(of: node, at: path) else { return nil }
        var result: [Element] = []
        var valid = true
        for (index, item) in items.enumerated() {
            if let value = element(item, path.index(index)) {
                result.append(value)
            } else {
                valid = false
            }
        }
        return valid ? result : nil
    }

    /// A header name, checked against the token grammar.
    func headerName(_ node: Node, at path: FieldPath) -> String? {
        guard let text = text(node, at: path, expected: "a header name") else { return nil }
        guard HTTPToken.isValid(text) else {
            report(path, "\"\(text)\" is not a valid header name")
            return nil
        }
        return text
    }

    /// A non-empty list of HTTP methods, upper-cased: methods are
    /// case-sensitive on the wire and every real one is upper case.
    /// `emptyHint` says what to write instead of an empty list.
    func methods(_ node: Node, at path: FieldPath, emptyHint: String) -> Set<String>? {
        let methods = list(node, at: path) { item, itemPath -> String? in
            guard let text = text(item, at: itemPath, expected: "an HTTP method") else { return nil }
            guard HTTPToken.isValid(text) else {
                report(itemPath, "\"\(text)\" is not a valid HTTP method")
                return nil
            }
            return text.uppercased()
        }
        guard let methods else { return nil }
        guard !methods.isEmpty else {
            report(path, "an empty list matches no method; \(emptyHint)")
            return nil
        }
        return Set(methods)
    }

    /// Addresses to bind.
    func listenAddress(_ node: Node, at path: FieldPath) -> ListenAddress? {
        guard let text = text(node, at: path, expected: "a host:port address") else { return nil }
        switch ListenAddress.validated(text) {
        case .success(let address):
            return address
        case .failure(let error):
            report(path, error.message)
            return nil
        }
    }
}
