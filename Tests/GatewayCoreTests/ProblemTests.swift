import Foundation
import Testing
@testable import GatewayCore

@Suite struct ProblemTests {
    private func json(_ problem: Problem) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(problem.body))
        return try #require(object as? [String: Any])
    }

    @Test func bodyIsJSONWithTheFourMembers() throws {
        let problem = Problem(slug: "thing-failed", title: "Thing failed", status: 418, detail: "it broke")
        let parsed = try json(problem)
        #expect(parsed["type"] as? String == "tag:idempotency-gateway,2026:thing-failed")
        #expect(parsed["title"] as? String == "Thing failed")
        #expect(parsed["status"] as? Int == 418)
        #expect(parsed["detail"] as? String == "it broke")
        #expect(parsed.count == 4)
    }

    @Test func quotesBackslashesAndControlCharactersAreEscaped() throws {
        let nasty = "say \"hi\" \\ back\nslash\r\ttab \u{01}\u{1F} end \u{7F} é ✓ 🔑"
        let problem = Problem(slug: "s", title: "t \"q\"", status: 400, detail: nasty)
        let parsed = try json(problem)
        #expect(parsed["detail"] as? String == nasty)
        #expect(parsed["title"] as? String == "t \"q\"")
        let raw = String(decoding: problem.body, as: UTF8.self)
        #expect(raw.contains("\\u0001"))
        #expect(raw.contains("\\u001f"))
        #expect(!raw.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func quoteProducesAJSONStringLiteral() {
        #expect(Problem.quote("a\"b") == #""a\"b""#)
        #expect(Problem.quote("a\\b") == #""a\\b""#)
        #expect(Problem.quote("\n") == #""\n""#)
        #expect(Problem.quote("\u{0}") == #""\u0000""#)
        #expect(Problem.quote("") == #""""#)
    }

    @Test func extensionsAreMembers() throws {
        let parsed = try json(Problems.responseNotKept(originalStatus: 201))
        #expect(parsed["original_status"] as? Int == 201)
        #expect(parsed["status"] as? Int == 410)
    }

    @Test func responseHasContentTypeAndStatus() {
        let response = Problems.mismatch(header: "Idempotency-Key").response
        #expect(response.status == 422)
        #expect(response.headers.values(named: "Content-Type") == ["application/problem+json"])
        #expect(response.headers.values(named: "Retry-After").isEmpty)
        #expect(response.body == Problems.mismatch(header: "Idempotency-Key").body)
    }

    @Test func retryAfterIsAHeaderWhenSet() {
        let response = Problems.inFlight(retryAfter: 3).response
        #expect(response.status == 409)
        #expect(response.headers.values(named: "Retry-After") == ["3"])
        #expect(response.headers.values(named: "Content-Type") == ["application/problem+json"])
    }

    @Test func everyCannedProblemIsValidJSONWithItsStatus() throws {
        let cases: [(Problem, Int)] = [
            (Problems.missingKey(header: "Idempotency-Key"), 400),
            (Problems.invalidKey(header: "Idempotency-Key", .tooLong(length: 300)), 400),
            (Problems.duplicateKeyHeader(header: "Idempotency-Key"), 400),
            (Problems.inFlight(retryAfter: 1), 409),
            (Problems.mismatch(header: "Idempotency-Key"), 422),
            (Problems.responseNotKept(originalStatus: 200), 410),
            (Problems.storeUnavailable(), 503),
            (Problems.upstreamUnreachable(upstream: "payments"), 502),
            (Problems.upstreamFailed(upstream: "payments"), 502),
            (Problems.upstreamTimeout(upstream: "payments"), 504),
            (Problems.bodyTooLarge(limit: ByteSize(bytes: 1 << 20)), 413),
            (Problems.expectationFailed(), 417),
            (Problems.badRequest("bad \"framing\""), 400),
            (Problems.noRoute(method: "GET", path: "/nope\"x"), 404),
            (Problems.missingBodyKey(pointer: try #require(try? JSONPointer.parse("/message/messageId").get())), 400),
            (Problems.bodyNotJSON(JSONError(offset: 7, "duplicate member name \"a\\\"b\"")), 400),
        ]
        for (problem, status) in cases {
            let parsed = try json(problem)
            #expect(parsed["status"] as? Int == status)
            #expect(problem.response.status == status)
            #expect((parsed["type"] as? String)?.hasPrefix("tag:idempotency-gateway,2026:") == true)
            #expect((parsed["title"] as? String)?.isEmpty == false)
            #expect((parsed["detail"] as? String)?.isEmpty == false)
        }
    }

    @Test func cannedDetailsCarryTheirContext() throws {
        #expect(try json(Problems.invalidKey(header: "X-Key", .tooLong(length: 300)))["detail"] as? String
                == "X-Key: the idempotency key is 300 characters long; at most 255 are allowed")
        #expect((try json(Problems.upstreamTimeout(upstream: "payments"))["detail"] as? String)?.contains("payments") == true)
        #expect((try json(Problems.bodyTooLarge(limit: ByteSize(bytes: 1 << 20)))["detail"] as? String)?.contains("1MiB") == true)
        #expect(Problems.storeUnavailable().response.headers.values(named: "Retry-After") == ["1"])
    }

    @Test func equalityComparesSlugStatusDetailAndRetryAfter() {
        let a = Problem(slug: "s", title: "A", status: 400, detail: "d")
        #expect(a == Problem(slug: "s", title: "B", status: 400, detail: "d"))
        #expect(a != Problem(slug: "s", title: "A", status: 400, detail: "e"))
        #expect(a != Problem(slug: "s", title: "A", status: 400, detail: "d", retryAfter: 1))
    }
}
