internal import Yams

/// Walks the composed YAML tree by hand, rather than decoding it, so that
/// every problem names its field path, and keeps going after a problem so
/// that one run reports them all.
///
/// Section readers live in extensions (`ConfigReader+Routes.swift`, …); each
/// returns its best effort (defaults where a value was bad), and the loader
/// only builds a configuration when no problem was reported.
final class ConfigReader {
    /// The file name as the operator gave it, copied into every problem.
    let file: String
    /// Where `${NAME}` references are looked up.
    let environment: [String: String]
    /// Everything found so far, in the order the walk met it.
    private(set) var problems: [ConfigurationProblem] = []

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    func report(_ path: FieldPath, _ message: String) {
        problems.append(ConfigurationProblem(file: file, path: path.description, message: message))
    }

    /// A section with fixed field names: unknown names are reported (with a
    /// suggestion), so a typo never silently falls back to a default.
    func fields(of node: Node, at path: FieldPath, known: [String], emptyHint: String? = nil) -> FieldMap? {
        guard let entries = entries(of: node, at: path, emptyHint: emptyHint) else { return nil }
        var values: [String: Node] = [:]
        for (key, value) in entries {
            guard known.contains(key) else {
                var message = "unknown field `\(key)`"
                if let suggestion = FieldSuggestion.closest(to: key, among: known) {
                    message += "; did you mean `\(suggestion)`?"
                }
                report(path.appending(key), message)
                continue
            }
            values[key] = value
        }
        return FieldMap(path: path, values: values)
    }

    /// A mapping's entries in file order, for sections whose keys the operator
    /// names (`upstreams`). Duplicate keys are reported, since YAML parsers
    /// disagree on which one wins. `<<` merge keys are honoured, so shared
    /// blocks can be written once with an anchor.
    func entries(of node: Node, at path: FieldPath, emptyHint: String? = nil) -> [(key: String, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            report(path, "expected a mapping, found \(describe(node))" + (emptyHint.map { " (\($0))" } ?? ""))
            return nil
        }
        var result: [(key: String, value: Node)] = []
        var merged: [(key: String, value: Node)] = []
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                report(path, "field names must be plain text, found \(describe(keyNode))")
                continue
            }
            if key.string == "<<", key.style == .plain {
                merged += mergeSources(value, at: path)
                continue
            }
            guard seen.insert(key.string).inserted else {
                report(path.appending(key.string), "duplicate field `\(key.string)`")
                continue
            }
            result.append((key.string, value))
        }
        for entry in merged where seen.insert(entry.key).inserted {
            result.append(entry)
        }
        return result
    }

    /// The entries a `<<` key merges in: one mapping or a list of them, the
    /// earlier ones taking precedence as the YAML merge-key spec says.
    private func mergeSources(_ node: Node, at path: FieldPath) -> [(key: String, value: Node)] {
        switch node {
        case .mapping:
            return entries(of: node, at: path) ?? []
        case .sequence(let sources):
            return sources.flatMap { entries(of: $0, at: path) ?? [] }
        case .scalar:
            report(path.appending("<<"), "a merge key takes a mapping or a list of mappings, found \(describe(node))")
            return []
        }
    }

    /// A list's elements; anything else is reported.
    func items(of node: Node, at path: FieldPath) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            report(path, "expected a list, found \(describe(node))")
            return nil
        }
        return Array(sequence)
    }

    /// A scalar's text after `${NAME}` substitution. `expected` names what the
    /// field holds ("a duration") for the message when it is not a scalar.
    func text(_ node: Node, at path: FieldPath, expected: String) -> String? {
        guard case .scalar(let scalar) = node, !Self.isNull(scalar) else {
            report(path, "expected \(expected), found \(describe(node))")
            return nil
        }
        switch EnvironmentSubstitution.substitute(scalar.string, from: environment) {
        case .success(let text):
            return text
        case .failure(let error):
            report(path, error.message)
            return nil
        }
    }

    /// A field that has no default.
    func required(_ map: FieldMap, _ key: String) -> Node? {
        guard let node = map[key] else {
            report(map.path(key), "required field is missing")
            return nil
        }
        return node
    }

    /// How a node reads in a message: its kind, or a short quote of a scalar.
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            if Self.isNull(scalar) { return "an empty value" }
            let text = scalar.string
            return text.count > 40 ? "\"\(text.prefix(40))…\"" : "\"\(text)\""
        }
    }

    /// YAML's spellings of null: `key:` with nothing after it, `~`, `null`.
    /// Quoted, they are strings.
    static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
