import Testing
@testable import GatewayCore

@Suite struct StorePolicyTests {
    @Test(arguments: [200, 201, 204, 299, 301, 304, 399, 400, 404, 410, 422, 499])
    func defaultsStoreSuccessRedirectAndClientErrors(status: Int) {
        #expect(StorePolicy().stores(status))
    }

    @Test(arguments: [408, 409, 425, 429])
    func defaultsNeverStoreRetryableRefusals(status: Int) {
        #expect(!StorePolicy().stores(status))
    }

    @Test(arguments: [500, 502, 503, 504, 599, 100, 101])
    func defaultsDoNotStoreServerErrorsOrInformational(status: Int) {
        #expect(!StorePolicy().stores(status))
    }

    @Test func explicitCodesStoreOnlyThoseCodes() {
        let policy = StorePolicy(patterns: [.exact(201), .exact(404)])
        #expect(policy.stores(201))
        #expect(policy.stores(404))
        #expect(!policy.stores(200))
        #expect(!policy.stores(400))
    }

    @Test func neverStoredWinsOverAnExplicitCode() {
        let policy = StorePolicy(patterns: [.exact(409), .exact(429), .statusClass(4)])
        #expect(!policy.stores(409))
        #expect(!policy.stores(429))
        #expect(!policy.stores(408))
        #expect(!policy.stores(425))
        #expect(policy.stores(422))
    }

    @Test func serverErrorsAreStoredOnlyWhenConfigured() {
        #expect(StorePolicy(patterns: [.statusClass(5)]).stores(500))
        #expect(!StorePolicy(patterns: [.statusClass(2)]).stores(500))
    }

    @Test func emptyPatternsStoreNothing() {
        #expect(!StorePolicy(patterns: []).stores(200))
    }

    @Test func patternsParse() {
        #expect(StatusPattern(parsing: "2xx") == .statusClass(2))
        #expect(StatusPattern(parsing: "4XX") == .statusClass(4))
        #expect(StatusPattern(parsing: " 404 ") == .exact(404))
        #expect(StatusPattern(parsing: "100") == .exact(100))
        #expect(StatusPattern(parsing: "599") == .exact(599))
    }

    @Test(arguments: ["", "6xx", "0xx", "x2x", "2x", "2xxx", "099", "600", "20", "2000", "abc", "+20", "-20", "4 4"])
    func invalidPatternsAreRejected(text: String) {
        #expect(StatusPattern(parsing: text) == nil)
    }

    @Test func patternsMatch() {
        #expect(StatusPattern.statusClass(2).matches(250))
        #expect(!StatusPattern.statusClass(2).matches(300))
        #expect(StatusPattern.exact(404).matches(404))
        #expect(!StatusPattern.exact(404).matches(405))
    }

    @Test func patternsDescribeThemselves() {
        #expect(StatusPattern.statusClass(3).description == "3xx")
        #expect(StatusPattern.exact(418).description == "418")
    }
}
