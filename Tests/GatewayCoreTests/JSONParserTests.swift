import Testing
@testable import GatewayCore

/// What the body parser accepts and refuses: RFC 8259 grammar, plus the
/// I-JSON rules RFC 8785 depends on. A refused body is `body-not-json` on
/// a json-fingerprint route and a missing key on a `key_json` route.
@Suite struct JSONParserTests {
    private func parse(_ text: String) throws(JSONError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test func keepsNumberTextAsWritten() throws {
        guard case .array(let items) = try parse(" [1.50, -0, 1E+2, 123456789012345678901234567890] ") else {
            Issue.record("not an array")
            return
        }
        let texts = items.map { item -> String in
            if case .number(let text) = item { return text }
            return "?"
        }
        #expect(texts == ["1.50", "-0", "1E+2", "123456789012345678901234567890"])
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        guard case .string(let text) = try parse(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#) else {
            Issue.record("not a string")
            return
        }
        #expect(text == "a\"\\/\u{8}\u{c}\n\r\té😀")
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[01]", "[1.]", "[.5]", "[1e]", "[+1]", "[-]",
        "[NaN]", "[Infinity]", "[tru]", "nul", "\"abc", "\"tab\there\"", "\"\\x\"", "\"\\u12G4\"", "[1] [2]", "{} x",
        "[1]]", "'a'",
    ])
    func refusesMalformedJSON(text: String) {
        #expect(throws: JSONError.self) { try parse(text) }
    }

    @Test func refusesTrailingGarbageWithItsOffset() {
        #expect(throws: JSONError(offset: 3, "unexpected text after the JSON value")) { try parse(#"{} {"#) }
    }

    @Test(arguments: [#""\ud83d""#, #""\ude00""#, #""\ud83dx""#, #""\ud83d\u0041""#, #""\ude00\ud83d""#])
    func refusesLoneSurrogates(text: String) {
        #expect(throws: JSONError.self) { try parse(text) }
    }

    @Test(arguments: [
        [0x22, 0xC3, 0x22],              // truncated two-byte sequence
        [0x22, 0xC0, 0xAF, 0x22],        // overlong "/"
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // UTF-8-encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xFF, 0x22],
        [0x22, 0x61, 0x62, 0x63, 0xC3, 0x22],  // after an ASCII run
    ] as [[UInt8]])
    func refusesInvalidUTF8(bytes: [UInt8]) {
        #expect(throws: JSONError.self) { try JSONParser.parse(bytes) }
    }

    @Test func keepsNonASCIIAfterAnASCIIRun() throws {
        guard case .string(let text) = try parse("\"abc\u{e9}\u{1F600}d\"") else {
            Issue.record("not a string")
            return
        }
        #expect(text == "abc\u{e9}\u{1F600}d")
    }

    /// Past 16 members duplicates are found by a set, before by a scan.
    @Test func findsDuplicatesInLargeObjects() {
        let members = (0..<40).map { "\"m\($0)\":\($0)" }
        #expect(throws: Never.self) { try parse("{" + members.joined(separator: ",") + "}") }
        #expect(throws: JSONError.self) { try parse("{" + (members + ["\"m3\":0"]).joined(separator: ",") + "}") }
        #expect(throws: JSONError.self) { try parse("{" + (members + ["\"m39\":0"]).joined(separator: ",") + "}") }
    }

    @Test func refusesDuplicateMemberNames() {
        #expect(throws: JSONError.self) { try parse(#"{"a":1,"b":2,"a":1}"#) }
        #expect(throws: JSONError.self) { try parse(#"{"a":1,"\u0061":2}"#) }
        // Different code points are different names, even when Swift's
        // String comparison calls them equal.
        #expect(throws: Never.self) { try parse("{\"e\u{301}\":1,\"\u{e9}\":2}") }
    }

    @Test func limitsNesting() {
        let deepest = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        #expect(throws: Never.self) { try parse(deepest) }
        let tooDeep = String(repeating: "[", count: JSONParser.maximumDepth + 1) + String(repeating: "]", count: JSONParser.maximumDepth + 1)
        #expect(throws: JSONError.self) { try parse(tooDeep) }
        // A hostile body far deeper than the limit fails fast, not by stack overflow.
        #expect(throws: JSONError.self) { try parse(String(repeating: "{\"a\":", count: 100_000)) }
    }

    @Test func acceptsScalarsAtTheTop() throws {
        #expect(throws: Never.self) { try parse(" \"x\" ") }
        #expect(throws: Never.self) { try parse("42") }
        #expect(throws: Never.self) { try parse("null") }
    }
}
