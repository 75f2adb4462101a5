/// An address the gateway binds: `listen` or `admin.listen`.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The interface to bind, without IPv6 brackets; `0.0.0.0` binds every
    /// IPv4 interface, `::` every IPv6 one.
    public var host: String
    /// The TCP port. 0 lets the system choose, which tests use to avoid clashes.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[::1]:8080` or `:8080` (every interface, `0.0.0.0`).
    public init?(parsing text: String) {
        guard case .success(let address) = Self.validated(text) else { return nil }
        self = address
    }

    /// Like `init(parsing:)`, but says what is wrong, for configuration messages.
    static func validated(_ text: String) -> Result<ListenAddress, ValueError> {
        switch HostPort.parse(text) {
        case .failure(let error):
            return .failure(error)
        case .success(let parsed):
            guard let port = parsed.port else {
                return .failure(ValueError("`\(text)` has no port; write host:port, e.g. `127.0.0.1:8080` or `:8080`"))
            }
            return .success(ListenAddress(host: parsed.host.isEmpty ? "0.0.0.0" : parsed.host, port: port))
        }
    }

    /// Whether binding both would collide: same port, and the same host or a
    /// wildcard host that covers the other. Port 0 never collides.
    func overlaps(_ other: ListenAddress) -> Bool {
        guard port != 0, port == other.port else { return false }
        let wildcards: Set<String> = ["0.0.0.0", "::"]
        return host == other.host || wildcards.contains(host) || wildcards.contains(other.host)
    }

    /// `host:port`, with brackets around an IPv6 host, as it was written.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
