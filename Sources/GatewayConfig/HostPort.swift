/// A host with an optional port, as written in listen addresses and in the
/// authority of Redis and upstream URLs. One parser keeps the three spellings
/// identical, IPv6 brackets included.
struct HostPort: Sendable, Equatable {
    /// Without brackets; empty when the text was only `:port`.
    var host: String
    /// Nil when the text had no `:port`; callers pick their default.
    var port: Int?

    static func parse(_ text: String) -> Result<HostPort, ValueError> {
        let host: Substring
        let portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return .failure(ValueError("`\(text)` is missing the `]` that closes the IPv6 address"))
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if rest.isEmpty {
                portText = nil
            } else if rest.hasPrefix(":") {
                portText = rest.dropFirst()
            } else {
                return .failure(ValueError("unexpected `\(rest)` after the IPv6 address `[\(host)]`"))
            }
            guard host.contains(":"), host.allSatisfy(isIPv6Character) else {
                return .failure(ValueError("`[\(host)]` is not an IPv6 address"))
            }
        } else {
            guard text.filter({ $0 == ":" }).count <= 1 else {
                return .failure(ValueError("`\(text)`: put an IPv6 address in brackets, e.g. `[::1]:8080`"))
            }
            if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                host = text[...]
                portText = nil
            }
            guard host.allSatisfy(isHostNameCharacter) else {
                return .failure(ValueError("`\(host)` is not a valid host name or IP address"))
            }
        }
        guard let portText else { return .success(HostPort(host: String(host), port: nil)) }
        guard !portText.isEmpty, portText.allSatisfy(isDigit), let port = Int(portText), port <= 65_535 else {
            return .failure(ValueError("`\(portText)` is not a port number (0-65535)"))
        }
        return .success(HostPort(host: String(host), port: port))
    }

    private static func isDigit(_ character: Character) -> Bool {
        character.isASCII && character.isNumber
    }

    private static func isHostNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "-" || character == "." || character == "_")
    }

    /// Hex digits, separators, an embedded IPv4 tail and a `%zone` suffix.
    private static func isIPv6Character(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == ":" || character == "." || character == "%")
    }
}
