import Testing
@testable import GatewayCore

@Suite struct RouteMatchTests {
    @Test func prefixMatchesItselfAndBelowAtASegmentBoundary() {
        let match = RouteMatch(path: .prefix("/v1/charges"))
        #expect(match.matches(method: "POST", path: "/v1/charges"))
        #expect(match.matches(method: "POST", path: "/v1/charges/ch_1"))
        #expect(match.matches(method: "POST", path: "/v1/charges/"))
        #expect(!match.matches(method: "POST", path: "/v1/chargesX"))
        #expect(!match.matches(method: "POST", path: "/v1/charge"))
        #expect(!match.matches(method: "POST", path: "/v2/charges"))
        #expect(!match.matches(method: "POST", path: "/x/v1/charges"))
    }

    @Test func prefixEndingInSlashMatchesAnythingBelowIt() {
        let match = RouteMatch(path: .prefix("/api/"))
        #expect(match.matches(method: "GET", path: "/api/x"))
        #expect(match.matches(method: "GET", path: "/api/"))
        #expect(!match.matches(method: "GET", path: "/api"))
        #expect(!match.matches(method: "GET", path: "/apix"))
    }

    @Test func rootPrefixMatchesEverything() {
        let match = RouteMatch(path: .prefix("/"))
        #expect(match.matches(method: "GET", path: "/"))
        #expect(match.matches(method: "DELETE", path: "/anything/at/all"))
    }

    @Test func exactMatchesOnlyThatPath() {
        let match = RouteMatch(path: .exact("/v1/payments"))
        #expect(match.matches(method: "POST", path: "/v1/payments"))
        #expect(!match.matches(method: "POST", path: "/v1/payments/"))
        #expect(!match.matches(method: "POST", path: "/v1/payments/p_1"))
        #expect(!match.matches(method: "POST", path: "/v1/payment"))
    }

    @Test func methodsRestrictTheMatch() {
        let match = RouteMatch(path: .prefix("/v1"), methods: ["POST", "PUT"])
        #expect(match.matches(method: "POST", path: "/v1/x"))
        #expect(match.matches(method: "PUT", path: "/v1/x"))
        #expect(!match.matches(method: "GET", path: "/v1/x"))
        // Methods are case-sensitive (RFC 9110 §9.1).
        #expect(!match.matches(method: "post", path: "/v1/x"))
    }

    @Test func noMethodsMatchesAnyMethod() {
        let match = RouteMatch(path: .exact("/x"))
        for method in ["GET", "POST", "PATCH", "DELETE", "BREW"] {
            #expect(match.matches(method: method, path: "/x"))
        }
    }

    private func route(_ name: String, _ match: RouteMatch) -> Route {
        Route(name: name, match: match, upstream: UpstreamSettings(name: "u", baseURL: "http://127.0.0.1:1"), idempotency: nil)
    }

    @Test func firstMatchingRouteWins() {
        let table = RouteTable([
            route("charges-post", RouteMatch(path: .prefix("/v1/charges"), methods: ["POST"])),
            route("charges-any", RouteMatch(path: .prefix("/v1/charges"))),
            route("v1", RouteMatch(path: .prefix("/v1"))),
            route("catch-all", RouteMatch(path: .prefix("/"))),
        ])
        #expect(table.route(method: "POST", path: "/v1/charges/ch_1")?.name == "charges-post")
        #expect(table.route(method: "GET", path: "/v1/charges/ch_1")?.name == "charges-any")
        #expect(table.route(method: "POST", path: "/v1/chargesX")?.name == "v1")
        #expect(table.route(method: "POST", path: "/v2")?.name == "catch-all")
    }

    @Test func laterRoutesAreShadowedByEarlierOnes() {
        let table = RouteTable([
            route("broad", RouteMatch(path: .prefix("/"))),
            route("narrow", RouteMatch(path: .exact("/v1/charges"))),
        ])
        #expect(table.route(method: "POST", path: "/v1/charges")?.name == "broad")
    }

    @Test func noMatchingRouteIsNil() {
        let table = RouteTable([route("charges", RouteMatch(path: .prefix("/v1/charges"), methods: ["POST"]))])
        #expect(table.route(method: "GET", path: "/v1/charges") == nil)
        #expect(table.route(method: "POST", path: "/health") == nil)
        #expect(RouteTable([]).route(method: "GET", path: "/") == nil)
    }
}
