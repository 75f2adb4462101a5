import Foundation
import GatewayCore
import Testing

@testable import GatewayConfig

@Suite("Problems name the file and the field")
struct ProblemReportingTests {
    @Test func badDurationNamesFieldAndFile() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "ttl: 24 hours"))
        #expect(problems == [ConfigurationProblem(
            file: "gateway.yaml", path: "routes[0].idempotency.ttl",
            message: "\"24 hours\" is not a duration (use e.g. 250ms, 30s, 10m, 24h)")])
        #expect(problems.first?.description
            == "gateway.yaml: routes[0].idempotency.ttl: \"24 hours\" is not a duration (use e.g. 250ms, 30s, 10m, 24h)")
    }

    @Test func hugeDurationsAreRefusedNotTrapped() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "ttl: 99999999999999999h\nwait_timeout: 4000d"))
        #expect(problems.map(\.description) == [
            "gateway.yaml: routes[0].idempotency.ttl: \"99999999999999999h\" is not a duration (use e.g. 250ms, 30s, 10m, 24h)",
            "gateway.yaml: routes[0].idempotency.wait_timeout: \"4000d\" is too long (at most 3650d)",
        ])
    }

    @Test func zeroDurationsAreRefusedExceptShutdown() throws {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "ttl: 0s"))
        #expect(problems.map(\.description) == ["gateway.yaml: routes[0].idempotency.ttl: must be greater than zero"])
        let config = try ConfigFixtures.parse(ConfigFixtures.minimal(with: "shutdown_timeout: 0s\n"))
        #expect(config.shutdownTimeout == .zero)
    }

    @Test func unknownUpstreamListsKnownNames() {
        let problems = ConfigFixtures.problems("""
            version: 1
            upstreams:
              payments: {url: "http://127.0.0.1:9000"}
              search: {url: "http://127.0.0.1:9001"}
            routes:
              - name: charges
                match: {path_prefix: /v1/charges}
                upstream: paymnts

            """)
        #expect(problems.map(\.path) == ["routes[0].upstream"])
        #expect(problems.first?.message
            == "unknown upstream `paymnts`; known upstreams: `payments`, `search` (did you mean `payments`?)")
    }

    @Test func unknownFieldSuggestsTheClosestName() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "tll: 24h"))
        #expect(problems == [ConfigurationProblem(
            file: "gateway.yaml", path: "routes[0].idempotency.tll", message: "unknown field `tll`; did you mean `ttl`?")])
    }

    @Test func unknownFieldWithoutCloseMatchHasNoSuggestion() {
        let problems = ConfigFixtures.problems(ConfigFixtures.minimal(with: "colour: blue\n"))
        #expect(problems.map(\.description) == ["gateway.yaml: colour: unknown field `colour`"])
    }

    /// Renewal keeps a slow call's claim, so the lease may be shorter than the upstream timeout.
    @Test func lockTTLMayBeShorterThanTheUpstreamTimeout() {
        #expect(ConfigFixtures.problems(ConfigFixtures.route(idempotency: "lock_ttl: 5s", upstreamTimeout: "30s")).isEmpty)
        #expect(ConfigFixtures.problems(ConfigFixtures.route(idempotency: "{}", upstreamTimeout: "2m")).isEmpty)
    }

    @Test func lockTTLMustCoverThreeStoreRoundTrips() {
        let file = ConfigFixtures.route(idempotency: "lock_ttl: 1s") + """
            store:
              redis:
                url: "redis://127.0.0.1:6379"
                timeout: 500ms

            """
        let problems = ConfigFixtures.problems(file)
        #expect(problems.map(\.path) == ["routes[0].idempotency.lock_ttl"])
        let message = problems.first?.message ?? ""
        #expect(message.contains("lock_ttl (1s)"))
        #expect(message.contains("3 × store.redis.timeout"))
        // The same lease is fine with a faster store, or with the memory store.
        #expect(ConfigFixtures.problems(file.replacingOccurrences(of: "500ms", with: "300ms")).isEmpty)
        #expect(ConfigFixtures.problems(file + "  backend: memory\n").isEmpty)
    }

    @Test func everyProblemIsReportedTogether() {
        let problems = ConfigFixtures.problems("""
            version: 1
            listen: "localhost"
            store:
              on_unavailable: fail_open
            upstreams:
              payments:
                url: "ftp://example.com"
                timeout: soon
            routes:
              - name: "bad name"
                match: {path_prefix: v1}
                upstream: payments
                idempotency:
                  ttl: forever
                  on_conflict: wiat
              - name: ok
                match: {path: /ok}
                upstream: nowhere

            """)
        #expect(problems.map(\.path) == [
            "listen",
            "store.on_unavailable",
            "upstreams.payments.url",
            "upstreams.payments.timeout",
            "routes[0].name",
            "routes[0].match.path_prefix",
            "routes[0].idempotency.ttl",
            "routes[0].idempotency.on_conflict",
            "routes[1].upstream",
        ])
        #expect(problems.allSatisfy { $0.file == "gateway.yaml" })
        let error = ConfigurationError(problems: problems)
        #expect(error.description.split(separator: "\n").count == problems.count)
        #expect(problems.first { $0.path == "routes[0].idempotency.on_conflict" }?.message
            == "`wiat` is not one of `reject`, `wait`; did you mean `wait`?")
    }

    @Test func wrongTypesNameTheExpectedType() {
        let problems = ConfigFixtures.problems("""
            version: 1
            admin: [127.0.0.1]
            limits:
              max_request_body: [1MiB]
            upstreams:
              - payments
            routes:
              name: charges

            """)
        #expect(problems.map(\.description) == [
            "gateway.yaml: admin: expected a mapping, found a list",
            "gateway.yaml: limits.max_request_body: expected a size, found a list",
            "gateway.yaml: upstreams: expected a mapping, found a list",
            "gateway.yaml: routes: expected a list, found a mapping",
        ])
    }

    @Test func scalarWhereAListIsExpected() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "methods: POST\nrequired: yes"))
        #expect(problems.map(\.description) == [
            "gateway.yaml: routes[0].idempotency.methods: expected a list, found \"POST\"",
            "gateway.yaml: routes[0].idempotency.required: expected true or false, found \"yes\"",
        ])
    }

    @Test func nullIdempotencyIsAmbiguousAndRefused() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: ""))
        #expect(problems.map(\.path) == ["routes[0].idempotency"])
        #expect(problems.first?.message.contains("write `{}` for the defaults") == true)
    }

    @Test func requiredFieldsAndVersion() {
        #expect(ConfigFixtures.problems("listen: \":8080\"\n").map(\.description) == [
            "gateway.yaml: version: required field is missing",
            "gateway.yaml: upstreams: required field is missing",
            "gateway.yaml: routes: required field is missing",
        ])
        let wrongVersion = ConfigFixtures.minimal.replacingOccurrences(of: "version: 1", with: "version: 2")
        #expect(ConfigFixtures.problems(wrongVersion).map(\.description)
            == ["gateway.yaml: version: unsupported version 2; this gateway reads version 1"])
    }

    @Test func emptyUpstreamsAndRoutesAreRefused() {
        let problems = ConfigFixtures.problems("version: 1\nupstreams: {}\nroutes: []\n")
        #expect(problems.map(\.path) == ["upstreams", "routes"])
    }

    @Test func routeNamesAreUniqueAndMatchNeedsExactlyOnePath() {
        let problems = ConfigFixtures.problems("""
            version: 1
            upstreams:
              a: {url: "http://127.0.0.1:9000"}
            routes:
              - {name: r, match: {path: /x, path_prefix: /x}, upstream: a}
              - {name: r, match: {methods: [GET]}, upstream: a}

            """)
        #expect(problems.map(\.description) == [
            "gateway.yaml: routes[0].match: set either `path_prefix` or `path`, not both",
            "gateway.yaml: routes[1].name: duplicate route name `r` (also routes[0])",
            "gateway.yaml: routes[1].match: set `path_prefix` (or `path` for an exact match)",
        ])
    }

    @Test func duplicateKeysAreReported() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "ttl: 1h\nttl: 2h"))
        #expect(problems.map(\.description) == ["gateway.yaml: routes[0].idempotency.ttl: duplicate field `ttl`"])
    }

    @Test func retryableStatusesCannotBeStored() {
        let problems = ConfigFixtures.problems(ConfigFixtures.route(idempotency: "store_statuses: [2xx, 409, 7xx]"))
        #expect(problems.map(\.path) == [
            "routes[0].idempotency.store_statuses[1]", "routes[0].idempotency.store_statuses[2]",
        ])
    }

    @Test func adminMustNotShareTheListenPort() {
        let problems = ConfigFixtures.problems(ConfigFixtures.minimal(with: """
            listen: ":9090"
            admin: {listen: "127.0.0.1:9090"}

            """))
        #expect(problems.map(\.path) == ["admin.listen"])
    }

    @Test func connectTimeoutMustNotExceedTimeout() {
        let problems = ConfigFixtures.problems("""
            version: 1
            upstreams:
              a: {url: "http://127.0.0.1:9000", timeout: 1s, connect_timeout: 5s}
            routes:
              - {name: r, match: {path_prefix: /}, upstream: a}

            """)
        #expect(problems.map(\.description)
            == ["gateway.yaml: upstreams.a.connect_timeout: connect_timeout (5s) must not exceed timeout (1s)"])
    }

    @Test func upstreamURLRules() {
        func problem(_ url: String) -> String? {
            ConfigFixtures.problems(ConfigFixtures.minimal.replacingOccurrences(
                of: "http://127.0.0.1:9000", with: url)).first?.message
        }
        #expect(problem("https://api.example.com/base/") == nil)
        #expect(problem("http://[::1]:9000") == nil)
        #expect(problem("ftp://example.com")?.contains("use `http://` or `https://`") == true)
        #expect(problem("http://example.com/a?b=c")?.contains("query") == true)
        #expect(problem("http://user:pw@example.com")?.contains("credentials") == true)
        #expect(problem("http://:9000") == "the URL has no host")
        #expect(problem("127.0.0.1:9000") != nil)
    }

    @Test func yamlSyntaxErrorIsOneProblemWithPosition() {
        let problems = ConfigFixtures.problems("version: 1\nupstreams:\n  a: [unclosed\n")
        #expect(problems.count == 1)
        #expect(problems.first?.path == "")
        #expect(problems.first?.message.hasPrefix("invalid YAML at line ") == true)
    }

    @Test func emptyAndNonMappingDocuments() {
        #expect(ConfigFixtures.problems("# nothing\n").map(\.path) == [""])
        #expect(ConfigFixtures.problems("- a\n").first?.message.hasPrefix("expected a mapping, found a list") == true)
    }

    @Test func unreadableFileIsOneProblemWithEmptyPath() {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(path: "/nonexistent/gateway.yaml", environment: [:])
        }
        do {
            _ = try ConfigurationLoader.load(path: "/nonexistent/gateway.yaml", environment: [:])
        } catch {
            #expect(error.problems == [ConfigurationProblem(
                file: "/nonexistent/gateway.yaml", path: "", message: "cannot read the configuration: no such file")])
        }
    }
}
