import Testing
@testable import GatewayCore

@Suite struct FingerprintTests {
    private func print(
        method: String = "POST", path: String = "/v1/charges", query: String? = "a=1",
        body: String = #"{"amount":100}"#, headers: [(name: String, values: [String])] = []
    ) -> Fingerprint {
        Fingerprint.compute(method: method, path: path, query: query, body: Array(body.utf8), headers: headers)
    }

    /// Stored records carry fingerprints, so the digest of a request must
    /// never change between versions: a changed one would answer 422 to
    /// every retry across an upgrade. Vectors computed independently from
    /// the documented byte stream (SHA-256 of 8-byte big-endian
    /// length-prefixed fields).
    @Test func digestsAreStableAcrossVersions() {
        func hex(_ fingerprint: Fingerprint) -> String {
            fingerprint.bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        }
        #expect(hex(print(query: nil)) == "64be856e9654db9fcccd7751770bd6f1e8ae9c73d6924cfa10979f1ec9647fba")
        #expect(hex(print(body: "", headers: [("Authorization", ["Bearer x"]), ("X-Absent", [])]))
            == "b8511998ec801181a33863ba09bb614dbd624e18d9dbbdd1ac23c564305d79d4")
    }

    @Test func sameInputsGiveTheSameFingerprint() {
        #expect(print() == print())
        #expect(print(headers: [("X-Tenant", ["t1"])]) == print(headers: [("X-Tenant", ["t1"])]))
    }

    @Test func isASHA256Digest() {
        #expect(print().bytes.count == 32)
    }

    @Test func methodChangesIt() {
        #expect(print(method: "POST") != print(method: "PATCH"))
    }

    @Test func pathChangesIt() {
        #expect(print(path: "/v1/charges") != print(path: "/v1/charges/"))
    }

    @Test func queryChangesIt() {
        #expect(print(query: "a=1") != print(query: "a=2"))
    }

    @Test func absentQueryDiffersFromEmptyQuery() {
        #expect(print(query: nil) != print(query: ""))
    }

    @Test func bodyChangesIt() {
        #expect(print(body: #"{"amount":100}"#) != print(body: #"{"amount":101}"#))
        #expect(print(body: "") != print(body: " "))
    }

    @Test func fingerprintHeaderValueChangesIt() {
        #expect(print(headers: [("X-Tenant", ["t1"])]) != print(headers: [("X-Tenant", ["t2"])]))
    }

    @Test func absentFingerprintHeaderDiffersFromEmptyValue() {
        #expect(print(headers: [("X-Tenant", [])]) != print(headers: [("X-Tenant", [""])]))
    }

    @Test func repeatedHeaderValuesAreNotJoined() {
        #expect(print(headers: [("X-A", ["a", "b"])]) != print(headers: [("X-A", ["a,b"])]))
        #expect(print(headers: [("X-A", ["a", "b"])]) != print(headers: [("X-A", ["b", "a"])]))
    }

    @Test func headerNameCaseDoesNotMatter() {
        #expect(print(headers: [("X-Tenant", ["t1"])]) == print(headers: [("x-tenant", ["t1"])]))
    }

    @Test func headerValueCaseMatters() {
        #expect(print(headers: [("X-Tenant", ["T1"])]) != print(headers: [("X-Tenant", ["t1"])]))
    }

    @Test func fieldBoundariesAreUnambiguous() {
        #expect(print(path: "/ab", query: nil, body: "") != print(path: "/a", query: nil, body: "b"))
        #expect(print(method: "POS", path: "T/a") != print(method: "POST", path: "/a"))
        #expect(print(path: "/a", query: "b") != print(path: "/a?b", query: nil))
        #expect(print(headers: [("ab", ["c"])]) != print(headers: [("a", ["bc"])]))
    }

    @Test func bodyBytesThatLookLikeAHeaderDoNotCollide() {
        // Without length prefixes, a body could imitate a following header.
        let withHeader = print(body: "x", headers: [("h", ["v"])])
        #expect(withHeader != print(body: "x\u{1}h1v"))
    }
}
