import Foundation

/// Parses `store.redis.url`: `redis://[[username]:password@]host[:port][/db]`.
///
/// Messages never quote the credentials, since configuration errors end up
/// in terminals, CI logs and bug reports.
enum RedisURL {
    static let example = "redis://[[user]:password@]host[:port][/db]"

    static func parse(_ text: String, timeout: Duration) -> Result<RedisSettings, ValueError> {
        guard let separator = text.range(of: "://") else {
            return .failure(ValueError("expected a URL like `redis://127.0.0.1:6379` (\(example))"))
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        switch scheme {
        case "redis":
            break
        case "rediss":
            return .failure(ValueError("TLS (`rediss://`) is not supported; use `redis://` (for TLS, run a local tunnel such as stunnel)"))
        case "unix", "redis+unix":
            return .failure(ValueError("Unix sockets are not supported; use `redis://host:port`"))
        default:
            return .failure(ValueError("unsupported scheme `\(scheme)://`; expected `redis://` (\(example))"))
        }
        var rest = text[separator.upperBound...]
        var settings = RedisSettings(timeout: timeout)

        // The last `@` ends the credentials, so an unencoded `@` or `/` in a
        // password still works; the host part can contain neither.
        if let at = rest.lastIndex(of: "@") {
            switch credentials(rest[..<at]) {
            case .failure(let error): return .failure(error)
            case .success(let (username, password)):
                settings.username = username
                settings.password = password
            }
            rest = rest[rest.index(after: at)...]
        }
        guard !rest.contains("?"), !rest.contains("#") else {
            return .failure(ValueError("query parameters and fragments are not supported (\(example))"))
        }
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)

        switch HostPort.parse(String(authority)) {
        case .failure(let error):
            return .failure(error)
        case .success(let parsed):
            guard !parsed.host.isEmpty else {
                return .failure(ValueError("the URL has no host (\(example))"))
            }
            guard parsed.port != 0 else {
                return .failure(ValueError("port 0 is not a Redis port"))
            }
            settings.host = parsed.host
            settings.port = parsed.port ?? 6379
        }

        let databaseText = path.dropFirst()
        if !databaseText.isEmpty {
            guard databaseText.allSatisfy({ $0.isASCII && $0.isNumber }), let database = Int(databaseText),
                database <= Int(Int32.max)
            else {
                return .failure(ValueError("`/\(databaseText)` is not a database number; write e.g. `/0`"))
            }
            settings.database = database
        }
        return .success(settings)
    }

    /// `user:password`, `:password`, or nothing at all; each part may be
    /// percent-encoded. An empty part means "not given".
    private static func credentials(_ text: Substring) -> Result<(String?, String?), ValueError> {
        guard !text.isEmpty else { return .success((nil, nil)) }
        guard let colon = text.firstIndex(of: ":") else {
            return .failure(ValueError("the credentials before `@` need a `:`; write `:password@` or `user:password@`"))
        }
        guard let username = String(text[..<colon]).removingPercentEncoding else {
            return .failure(ValueError("the user name has an invalid percent-encoding"))
        }
        guard let password = String(text[text.index(after: colon)...]).removingPercentEncoding else {
            return .failure(ValueError("the password has an invalid percent-encoding"))
        }
        return .success((username.isEmpty ? nil : username, password.isEmpty ? nil : password))
    }
}
