import Testing
@testable import GatewayCore

@Suite struct IdempotencyKeyTests {
    private func value(_ raw: String) -> String? {
        try? IdempotencyKey.parse(raw).get().value
    }

    private func failure(_ raw: String) -> IdempotencyKey.Invalid? {
        if case .failure(let reason) = IdempotencyKey.parse(raw) { return reason }
        return nil
    }

    @Test func plainTokenIsTheKey() {
        #expect(value("abc-123_XYZ") == "abc-123_XYZ")
        #expect(value("8e03978e-40d5-43e8-bc93-6894a57f9324") == "8e03978e-40d5-43e8-bc93-6894a57f9324")
    }

    @Test func plainTokenKeepsPunctuationAndQuotesInside() {
        #expect(value("a\"b\\c!~") == "a\"b\\c!~")
    }

    @Test func quotedStringIsUnquoted() {
        #expect(value("\"abc\"") == "abc")
        #expect(value("\"with space\"") == "with space")
    }

    @Test func quotedStringUnescapesQuoteAndBackslash() {
        #expect(value(#""a\"b""#) == #"a"b"#)
        #expect(value(#""a\\b""#) == #"a\b"#)
        #expect(value(#""\\\"""#) == #"\""#)
    }

    @Test func quotedAndPlainFormsOfTheSameKeyAreEqual() throws {
        let quoted = try IdempotencyKey.parse("\"key-1\"").get()
        let plain = try IdempotencyKey.parse("key-1").get()
        #expect(quoted == plain)
    }

    @Test func emptyIsRejected() {
        #expect(failure("") == .empty)
        #expect(failure("   \t ") == .empty)
        #expect(failure("\"\"") == .empty)
    }

    @Test func whitespaceAroundIsTrimmed() {
        #expect(value("  abc\t") == "abc")
        #expect(value(" \"q v\" ") == "q v")
    }

    @Test func lengthLimitIs255() {
        let longest = String(repeating: "k", count: 255)
        #expect(value(longest) == longest)
        #expect(failure(String(repeating: "k", count: 256)) == .tooLong(length: 256))
    }

    @Test func quotedLengthLimitCountsTheUnquotedKey() {
        let longest = String(repeating: "q", count: 255)
        #expect(value("\"\(longest)\"") == longest)
        #expect(failure("\"\(longest)q\"") == .tooLong(length: 256))
        // 254 characters plus one escape: 255 after unquoting, 257 as sent.
        let escaped = "\"" + String(repeating: "q", count: 254) + "\\\\\""
        #expect(value(escaped)?.utf8.count == 255)
    }

    @Test func controlCharactersAreRejected() {
        #expect(failure("ab\u{01}c") == .invalidCharacter(position: 2))
        #expect(failure("a\u{00}") == .invalidCharacter(position: 1))
        #expect(failure("a\nb") == .invalidCharacter(position: 1))
    }

    @Test func innerSpaceAndTabAreRejectedInAToken() {
        #expect(failure("a b") == .invalidCharacter(position: 1))
        #expect(failure("a\tb") == .invalidCharacter(position: 1))
        #expect(failure("a, b") == .invalidCharacter(position: 2))
    }

    @Test func deleteIsRejected() {
        #expect(failure("abc\u{7F}") == .invalidCharacter(position: 3))
        #expect(failure("\"abc\u{7F}\"") == .invalidCharacter(position: 4))
    }

    @Test func nonASCIIIsRejected() {
        #expect(failure("clé") == .invalidCharacter(position: 2))
        #expect(failure("\"é\"") == .invalidCharacter(position: 1))
        #expect(failure("🔑") == .invalidCharacter(position: 0))
    }

    @Test func controlCharactersAreRejectedInsideQuotes() {
        #expect(failure("\"a\u{01}\"") == .invalidCharacter(position: 2))
    }

    @Test func malformedQuotedStringsAreRejected() {
        #expect(failure("\"abc") == .malformedQuotedString)         // unterminated
        #expect(failure("\"abc\"def") == .malformedQuotedString)    // text after the closing quote
        #expect(failure("\"a\"\"") == .malformedQuotedString)       // two closing quotes
        #expect(failure(#""a\nb""#) == .malformedQuotedString)      // only \" and \\ escape
        #expect(failure(#""abc\""#) == .malformedQuotedString)      // the last quote is escaped
        #expect(failure("\"") == .malformedQuotedString)
    }

    @Test func explanationsNameTheProblem() {
        #expect(IdempotencyKey.Invalid.tooLong(length: 300).explanation.contains("300"))
        #expect(IdempotencyKey.Invalid.tooLong(length: 300).explanation.contains("255"))
        #expect(IdempotencyKey.Invalid.invalidCharacter(position: 7).explanation.contains("7"))
        #expect(IdempotencyKey.Invalid.empty.explanation.contains("empty"))
        #expect(IdempotencyKey.Invalid.malformedQuotedString.explanation.contains("RFC 8941"))
    }
}
