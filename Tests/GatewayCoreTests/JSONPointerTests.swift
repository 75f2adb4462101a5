import Testing
@testable import GatewayCore

/// RFC 6901 pointers: syntax, the `~0`/`~1` escapes, lookups and removal.
@Suite struct JSONPointerTests {
    private func pointer(_ text: String) -> JSONPointer { try! JSONPointer.parse(text).get() }
    private func json(_ text: String) -> JSONValue { try! JSONParser.parse(Array(text.utf8)) }
    private func canonical(_ value: JSONValue) -> String { String(decoding: try! CanonicalJSON.encode(value), as: UTF8.self) }

    @Test func unescapesTokens() {
        #expect(pointer("").tokens == [])
        #expect(pointer("/").tokens == [""])
        #expect(pointer("/message/messageId").tokens == ["message", "messageId"])
        #expect(pointer("/a~1b/m~0n/~01").tokens == ["a/b", "m~n", "~1"])
        #expect(pointer("/a//b/").tokens == ["a", "", "b", ""])
    }

    @Test func refusesBadSyntax() {
        #expect(JSONPointer.parse("id") == .failure(.missingLeadingSlash))
        #expect(JSONPointer.parse("/a~2") == .failure(.badEscape(position: 2)))
        #expect(JSONPointer.parse("/a~") == .failure(.badEscape(position: 2)))
    }

    /// The RFC 6901 §5 examples.
    @Test func findsTheRFCExamples() {
        let document = json(#"{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\j":5,"k\"l":6," ":7,"m~n":8}"#)
        #expect(pointer("").value(in: document).map(canonical) == canonical(document))
        #expect(pointer("/foo").value(in: document).map(canonical) == #"["bar","baz"]"#)
        #expect(pointer("/foo/0").value(in: document).map(canonical) == #""bar""#)
        #expect(pointer("/").value(in: document).map(canonical) == "0")
        #expect(pointer("/a~1b").value(in: document).map(canonical) == "1")
        #expect(pointer("/c%d").value(in: document).map(canonical) == "2")
        #expect(pointer("/i\\j").value(in: document).map(canonical) == "5")
        #expect(pointer("/k\"l").value(in: document).map(canonical) == "6")
        #expect(pointer("/ ").value(in: document).map(canonical) == "7")
        #expect(pointer("/m~0n").value(in: document).map(canonical) == "8")
    }

    @Test func findsNothingWhereNothingIs() {
        let document = json(#"{"a":[1,2],"b":"x"}"#)
        #expect(pointer("/c").value(in: document) == nil)
        #expect(pointer("/a/2").value(in: document) == nil)
        #expect(pointer("/a/-").value(in: document) == nil)
        #expect(pointer("/a/01").value(in: document) == nil)
        #expect(pointer("/b/0").value(in: document) == nil)
    }

    @Test func removesMembersAndElements() {
        let document = json(#"{"a":{"x":1,"y":2},"b":[1,2,3],"c":3}"#)
        #expect(canonical(pointer("/a/x").removing(from: document)) == #"{"a":{"y":2},"b":[1,2,3],"c":3}"#)
        #expect(canonical(pointer("/b/1").removing(from: document)) == #"{"a":{"x":1,"y":2},"b":[1,3],"c":3}"#)
        #expect(canonical(pointer("/c").removing(from: document)) == #"{"a":{"x":1,"y":2},"b":[1,2,3]}"#)
        #expect(canonical(pointer("/nope/x").removing(from: document)) == canonical(document))
        #expect(canonical(pointer("").removing(from: document)) == canonical(document))
    }
}
