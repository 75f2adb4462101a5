import Testing
@testable import GatewayCore

/// RFC 8785 known answers: the Appendix B number table (IEEE-754 bit
/// patterns and their published serialisations) and the §3.2.2 / §3.2.3
/// samples, byte for byte.
@Suite struct CanonicalJSONTests {
    private func canonical(_ json: String) throws -> String {
        String(decoding: try CanonicalJSON.encode(try JSONParser.parse(Array(json.utf8))), as: UTF8.self)
    }

    /// RFC 8785 Appendix B, every finite row.
    @Test(arguments: [
        (0x0000_0000_0000_0000, "0"),
        (0x8000_0000_0000_0000, "0"),
        (0x0000_0000_0000_0001, "5e-324"),
        (0x8000_0000_0000_0001, "-5e-324"),
        (0x7fef_ffff_ffff_ffff, "1.7976931348623157e+308"),
        (0xffef_ffff_ffff_ffff, "-1.7976931348623157e+308"),
        (0x4340_0000_0000_0000, "9007199254740992"),
        (0xc340_0000_0000_0000, "-9007199254740992"),
        (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44b5_2d02_c7e1_4af5, "9.999999999999997e+22"),
        (0x44b5_2d02_c7e1_4af6, "1e+23"),
        (0x44b5_2d02_c7e1_4af7, "1.0000000000000001e+23"),
        (0x444b_1ae4_d6e2_ef4e, "999999999999999700000"),
        (0x444b_1ae4_d6e2_ef4f, "999999999999999900000"),
        (0x444b_1ae4_d6e2_ef50, "1e+21"),
        (0x3eb0_c6f7_a0b5_ed8c, "9.999999999999997e-7"),
        (0x3eb0_c6f7_a0b5_ed8d, "0.000001"),
        (0x41b3_de43_5555_5553, "333333333.3333332"),
        (0x41b3_de43_5555_5554, "333333333.33333325"),
        (0x41b3_de43_5555_5555, "333333333.3333333"),
        (0x41b3_de43_5555_5556, "333333333.3333334"),
        (0x41b3_de43_5555_5557, "333333333.33333343"),
        (0xbecb_f647_612f_3696, "-0.0000033333333333333333"),
        (0x4314_3ff3_c1cb_0959, "1424953923781206.2"),
    ] as [(UInt64, String)])
    func appendixBNumbers(bits: UInt64, expected: String) {
        #expect(CanonicalNumber.format(Double(bitPattern: bits)) == expected)
    }

    /// Appendix B's NaN and Infinity rows: JSON cannot carry them.
    @Test func nonFiniteNumbersHaveNoCanonicalForm() {
        #expect(CanonicalNumber.format(Double(bitPattern: 0x7fff_ffff_ffff_ffff)) == nil)
        #expect(CanonicalNumber.format(Double(bitPattern: 0x7ff0_0000_0000_0000)) == nil)
        #expect(throws: JSONError.self) { try canonical("[1e400]") }
        #expect(throws: JSONError.self) { try canonical("[-1e400]") }
    }

    /// The ECMAScript layout boundaries, from number text as a body has it.
    @Test(arguments: [
        ("1e21", "1e+21"), ("1e20", "100000000000000000000"), ("1e-7", "1e-7"), ("0.000001", "0.000001"),
        ("-0", "0"), ("-0.0e5", "0"), ("1.0", "1"), ("4.50", "4.5"), ("2e-3", "0.002"), ("1E30", "1e+30"),
        ("0.000000000000000000000000001", "1e-27"), ("123456789012345678901234567890", "1.2345678901234568e+29"),
        ("9007199254740993", "9007199254740992"), ("1.5e300", "1.5e+300"), ("-12.25", "-12.25"),
        ("123456789012345", "123456789012345"), ("-999999999999999", "-999999999999999"),
        ("1234567890123456", "1234567890123456"), ("0", "0"),
    ] as [(String, String)])
    func numberLiterals(literal: String, expected: String) {
        #expect(CanonicalNumber.format(literal: literal) == expected)
    }

    /// RFC 8785 §3.2.2's sample object and its §3.2.3 canonical form.
    @Test func rfcSampleObject() throws {
        let input = #"""
        {
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }
        """#
        #expect(try canonical(input)
                == #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#)
    }

    /// RFC 8785 §3.2.3's sorting sample: UTF-16 code units, so the emoji
    /// (a surrogate pair, D83D…) sorts before U+FB33 although its code
    /// point is larger.
    @Test func rfcSortingSample() throws {
        let input = #"""
        {
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }
        """#
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\","
            + "\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(try canonical(input) == expected)
    }

    /// Where UTF-16 and code point order disagree (U+E000…U+FFFF against
    /// the supplementary planes), after a shared prefix and either way round.
    @Test func supplementaryNamesSortBelowTheTopOfTheBMP() throws {
        #expect(try canonical("{\"a\u{FFFF}\":1,\"a\u{10000}\":2}") == "{\"a\u{10000}\":2,\"a\u{FFFF}\":1}")
        #expect(try canonical("{\"a\u{10000}\":2,\"a\u{FFFF}\":1}") == "{\"a\u{10000}\":2,\"a\u{FFFF}\":1}")
        #expect(try canonical("{\"\u{E000}\":1,\"\u{1F600}\":2,\"\u{D7FF}\":3,\"z\":4}")
                == "{\"z\":4,\"\u{D7FF}\":3,\"\u{1F600}\":2,\"\u{E000}\":1}")
    }

    @Test func controlCharactersUseTheShortEscapesThenLowerCaseHex() throws {
        #expect(try canonical(#"["\u0008\u0009\u000a\u000c\u000d\u0000\u001F\u007f\u00e9"]"#)
                == "[\"\\b\\t\\n\\f\\r\\u0000\\u001f\u{7f}é\"]")
    }

    @Test func nestedObjectsAreSortedAndArraysKeepTheirOrder() throws {
        #expect(try canonical(#" { "b" : [3, {"z":1, "a":2}, 1], "a" : { "y" : null, "x" : true } } "#)
                == #"{"a":{"x":true,"y":null},"b":[3,{"a":2,"z":1},1]}"#)
    }

    /// Names that Swift's String comparison calls equal (canonically
    /// equivalent) are different names in JSON and sort by code units.
    @Test func canonicallyEquivalentNamesStayDistinct() throws {
        #expect(try canonical("{\"e\u{301}\":1,\"\u{e9}\":2}") == "{\"e\u{301}\":1,\"\u{e9}\":2}")
    }
}
