import Foundation
import GatewayCore
internal import Yams

/// Turns gateway.yaml into a validated `GatewayConfiguration`, or into every
/// problem it has, each naming the file and the field.
///
/// Scalar values may use `${NAME}` to read an environment variable; `$$`
/// stands for a literal `$`. An unset variable is a problem, not an empty
/// string.
public enum ConfigurationLoader {
    /// Reads and parses the file at `path`. An unreadable file is reported as
    /// one problem with an empty field path.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> GatewayConfiguration {
        let yaml = try read(path)
        return try parse(yaml: yaml, file: path, environment: environment)
    }

    /// Parses YAML text; `file` is only used to label problems.
    public static func parse(
        yaml: String,
        file: String,
        environment: [String: String]
    ) throws(ConfigurationError) -> GatewayConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError(problems: [ConfigurationProblem(file: file, path: "", message: syntaxMessage(error))])
        }
        guard let root else {
            throw ConfigurationError(problems: [ConfigurationProblem(
                file: file, path: "", message: "the file is empty; it needs at least `version`, `upstreams` and `routes`")])
        }
        let reader = ConfigReader(file: file, environment: environment)
        let configuration = reader.configuration(from: root)
        guard let configuration, reader.problems.isEmpty else {
            var problems = reader.problems
            if problems.isEmpty {
                // Unreachable by construction; still, never throw an empty error.
                problems = [ConfigurationProblem(file: file, path: "", message: "the configuration is invalid")]
            }
            throw ConfigurationError(problems: problems)
        }
        return configuration
    }

    private static func read(_ path: String) throws(ConfigurationError) -> String {
        func failure(_ message: String) -> ConfigurationError {
            ConfigurationError(problems: [ConfigurationProblem(file: path, path: "", message: message)])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw failure("cannot read the configuration: no such file")
        }
        guard !isDirectory.boolValue else {
            throw failure("cannot read the configuration: it is a directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw failure("cannot read the configuration: permission denied or I/O error")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw failure("cannot read the configuration: it is not UTF-8 text")
        }
        return text
    }

    /// libyaml's own words, with the position it reports (1-based).
    private static func syntaxMessage(_ error: any Error) -> String {
        guard let error = error as? YamlError else { return "invalid YAML: \(error)" }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "invalid YAML at line \(mark.line), column \(mark.column): \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return message
        case .reader(let problem, let offset, _, _):
            return "invalid text" + (offset.map { " at character \($0)" } ?? "") + ": \(problem)"
        default:
            return "invalid YAML: \(error)"
        }
    }
}
