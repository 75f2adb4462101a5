internal import Yams
import GatewayCore

/// The top level of gateway.yaml and its small sections.
extension ConfigReader {
    static let topLevelFields = [
        "version", "listen", "admin", "store", "limits", "log", "tracing", "shutdown_timeout", "upstreams", "routes",
    ]
    static let adminFields = ["listen", "token"]
    static let logFields = ["format", "level"]

    /// The whole configuration, or nil when any problem was reported.
    func configuration(from root: Node) -> GatewayConfiguration? {
        guard let map = fields(of: root, at: .root, known: Self.topLevelFields,
                               emptyHint: "the top level must be a mapping with `version`, `upstreams` and `routes`")
        else { return nil }
        let defaults = GatewayConfiguration(upstreams: [:], routes: [])
        checkVersion(map)
        let listen = optional(map, "listen", default: defaults.listen) { listenAddress($0, at: $1) }
        let (adminListen, adminToken) = admin(map, default: defaults.adminListen)
        if let listen, let adminListen, listen.overlaps(adminListen) {
            report(map.path("admin").appending("listen"),
                   "\(adminListen) collides with `listen` (\(listen)); give the admin listener its own port")
        }
        let store = store(map)
        let limits = limits(map)
        let log = log(map)
        let tracing = tracing(map)
        let shutdownTimeout = optional(map, "shutdown_timeout", default: defaults.shutdownTimeout) {
            duration($0, at: $1, allowZero: true)
        }
        let upstreams = upstreams(map)
        let routes = routes(map, upstreams: upstreams, storeTimeout: store.backend.commandTimeout)
        guard problems.isEmpty, let listen, let adminListen, let shutdownTimeout else { return nil }
        var configuration = GatewayConfiguration(
            listen: listen, adminListen: adminListen, store: store, limits: limits, log: log, tracing: tracing,
            shutdownTimeout: shutdownTimeout, upstreams: upstreams.valid, routes: routes)
        configuration.adminToken = adminToken
        return configuration
    }

    /// `version` is required so a future schema can change meaning without a
    /// gateway silently misreading a newer file.
    private func checkVersion(_ map: FieldMap) {
        guard let node = required(map, "version") else { return }
        guard let text = text(node, at: map.path("version"), expected: "the number 1") else { return }
        if text != "1" {
            report(map.path("version"), "unsupported version \(text); this gateway reads version 1")
        }
    }

    private func admin(_ map: FieldMap, default defaultValue: ListenAddress) -> (listen: ListenAddress?, token: String?) {
        guard let node = map["admin"] else { return (defaultValue, nil) }
        guard let admin = fields(of: node, at: map.path("admin"), known: Self.adminFields) else { return (nil, nil) }
        let listen = optional(admin, "listen", default: defaultValue) { listenAddress($0, at: $1) }
        let token = admin["token"].flatMap { adminToken($0, at: admin.path("token")) }
        return (listen, token)
    }

    /// `admin.token`: absent leaves the key API off. An empty value (often
    /// `${ADMIN_TOKEN}` with the variable set to nothing) is refused: it
    /// would either lock support out or, worse, be guessable.
    private func adminToken(_ node: Node, at path: FieldPath) -> String? {
        guard let token = text(node, at: path, expected: "a bearer token") else { return nil }
        guard !token.isEmpty else {
            report(path, "is empty; set a long random token (e.g. `${ADMIN_TOKEN}`) or remove the field to turn the key API off")
            return nil
        }
        guard token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            report(path, "must be visible ASCII without spaces, as it is sent in an `Authorization: Bearer` header")
            return nil
        }
        return token
    }

    private func log(_ map: FieldMap) -> LogConfiguration {
        let defaults = LogConfiguration()
        guard let node = map["log"], let log = fields(of: node, at: map.path("log"), known: Self.logFields)
        else { return defaults }
        return LogConfiguration(
            format: optional(log, "format", default: defaults.format) { choice($0, at: $1, as: LogConfiguration.Format.self) }
                ?? defaults.format,
            level: optional(log, "level", default: defaults.level) { choice($0, at: $1, among: LogConfiguration.levels) }
                ?? defaults.level)
    }

    /// Route and upstream names end up in store keys, metrics and log lines,
    /// so they are kept to characters that need no quoting anywhere.
    func checkName(_ name: String, at path: FieldPath) {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
        if name.isEmpty || !allowed {
            report(path, "\"\(name)\" is not a valid name (use letters, digits, `_`, `.` and `-`)")
        }
    }
}
