import GatewayCore

/// How one reload ended, as `POST /reload` answers it and the reload log
/// lines describe it.
public struct ReloadReport: Sendable {
    public var result: ReloadResult
    /// The generation serving new requests after the reload.
    public var generation: Int
    /// `FILE: FIELD: what`, the lines `check` prints (`invalid`).
    public var problems: [String]
    /// The fields that differ from the running configuration and only a
    /// restart applies (`restart_needed`).
    public var restartNeeded: [String]
    /// Route names, in file order (`applied`).
    public var routes: [String]

    public init(result: ReloadResult, generation: Int, problems: [String] = [], restartNeeded: [String] = [], routes: [String] = []) {
        self.result = result
        self.generation = generation
        self.problems = problems
        self.restartNeeded = restartNeeded
        self.routes = routes
    }

    /// 200 JSON when applied; otherwise a problem: 400 `config-invalid`
    /// with `problems`, or 409 `restart-needed` with `restart_needed`. In
    /// both the running configuration is unchanged.
    public var response: GatewayResponse {
        switch result {
        case .applied:
            let body = "{\"result\":\"applied\",\"generation\":\(generation),\"routes\":\(Self.list(routes))}\n"
            return GatewayResponse(status: 200, headers: [HeaderField(name: "Content-Type", value: "application/json")],
                                   body: Array(body.utf8))
        case .invalid:
            return Problem(slug: "config-invalid", title: "Configuration invalid", status: 400,
                           detail: "the configuration file has \(problems.count) problem(s); the running configuration (generation \(generation)) is unchanged",
                           extensions: [("problems", Self.list(problems)), ("generation", String(generation))]).response
        case .restartNeeded:
            return Problem(slug: "restart-needed", title: "Restart needed", status: 409,
                           detail: "the file changes settings a reload cannot apply: \(restartNeeded.joined(separator: ", ")); nothing was applied, restart the gateway to apply the file",
                           extensions: [("restart_needed", Self.list(restartNeeded)), ("generation", String(generation))]).response
        }
    }

    private static func list(_ items: [String]) -> String {
        "[" + items.map(JSONText.quote).joined(separator: ",") + "]"
    }
}
