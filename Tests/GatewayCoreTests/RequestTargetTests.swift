import GatewayCore
import Testing

@Suite("Request targets are read one way only")
struct RequestTargetTests {
    struct Normalised: CustomTestStringConvertible, Sendable {
        var target: String
        var path: String
        var query: String?
        var authority: String? = nil
        var testDescription: String { target }
    }

    @Test(arguments: [
        Normalised(target: "/v1/charges", path: "/v1/charges"),
        Normalised(target: "/v1/charges?a=1&b=../x", path: "/v1/charges", query: "a=1&b=../x"),
        Normalised(target: "/v1/charges/../orders", path: "/v1/orders"),
        Normalised(target: "/v1/./charges/./", path: "/v1/charges/"),
        Normalised(target: "/a/b/c/./../../g", path: "/a/g"),
        Normalised(target: "/a/..", path: "/"),
        Normalised(target: "/a/.", path: "/a/"),
        Normalised(target: "/", path: "/"),
        Normalised(target: "/a//b", path: "/a//b"),
        Normalised(target: "/.well-known/x", path: "/.well-known/x"),
        Normalised(target: "/a/..b/c.", path: "/a/..b/c."),
        Normalised(target: "/files/a%2Etxt", path: "/files/a%2Etxt"),
        Normalised(target: "/a/%41?", path: "/a/%41", query: ""),
        Normalised(target: "http://api.example:8080/v1/x?q=1", path: "/v1/x", query: "q=1", authority: "api.example:8080"),
        Normalised(target: "HTTPS://api.example", path: "/", authority: "api.example"),
        Normalised(target: "http://h/a/../b", path: "/b", authority: "h"),
    ])
    func normalises(_ example: Normalised) throws {
        let target = try RequestTarget.parse(example.target)
        #expect(target == RequestTarget(path: example.path, query: example.query, authority: example.authority))
    }

    struct Refused: CustomTestStringConvertible, Sendable {
        var target: String
        var reason: RequestTarget.Invalid
        var testDescription: String { target }
    }

    @Test(arguments: [
        Refused(target: "/..", reason: .climbsAboveRoot),
        Refused(target: "/a/../../admin/secret", reason: .climbsAboveRoot),
        Refused(target: "/v1/%2e%2e/admin", reason: .encodedDotSegment),
        Refused(target: "/v1/%2E%2E/admin", reason: .encodedDotSegment),
        Refused(target: "/v1/.%2E/admin", reason: .encodedDotSegment),
        Refused(target: "/v1/%2e./admin", reason: .encodedDotSegment),
        Refused(target: "/v1/%2e/admin", reason: .encodedDotSegment),
        Refused(target: "/v1/charges%2F..%2Forders", reason: .encodedSlash),
        Refused(target: "/v1/a%2fb", reason: .encodedSlash),
        Refused(target: "/v1/a%00b", reason: .encodedNUL),
        Refused(target: "/v1/a?x=%00", reason: .encodedNUL),
        Refused(target: "/v1/a\u{0}b", reason: .notVisibleASCII),
        Refused(target: "/v1/caf\u{e9}", reason: .notVisibleASCII),
        Refused(target: "/v1/a b", reason: .notVisibleASCII),
        Refused(target: "/v1/a\u{7f}", reason: .notVisibleASCII),
        Refused(target: "/v1/a#frag", reason: .fragment),
        Refused(target: "/v1/a%zz", reason: .badPercentEncoding),
        Refused(target: "/v1/a%2", reason: .badPercentEncoding),
        Refused(target: "*", reason: .unsupportedForm),
        Refused(target: "v1/charges", reason: .unsupportedForm),
        Refused(target: "ftp://h/x", reason: .unsupportedForm),
        Refused(target: "http:///x", reason: .unsupportedForm),
        Refused(target: "http://user@h/x", reason: .unsupportedForm),
        Refused(target: "http://h/../x", reason: .climbsAboveRoot),
    ])
    func refuses(_ example: Refused) {
        #expect(throws: example.reason) { try RequestTarget.parse(example.target) }
    }
}
