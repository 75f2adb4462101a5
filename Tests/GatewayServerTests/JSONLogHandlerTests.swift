import Logging
import Testing
@testable import GatewayServer

/// How metadata values become JSON: numbers given as `.stringConvertible`
/// bare, everything else a string, so a log store can sum `bytes_out` and
/// never mistakes a digit-only header value for a number.
@Suite struct JSONLogHandlerTests {
    @Test func numbersAndBoolsAreBare() {
        #expect(JSONLogHandler.render(.stringConvertible(201)) == "201")
        #expect(JSONLogHandler.render(.stringConvertible(UInt64.max)) == "18446744073709551615")
        #expect(JSONLogHandler.render(.stringConvertible(-3)) == "-3")
        #expect(JSONLogHandler.render(.stringConvertible(1.5)) == "1.5")
        #expect(JSONLogHandler.render(.stringConvertible(true)) == "true")
    }

    @Test func everythingElseIsAString() {
        #expect(JSONLogHandler.render("201") == #""201""#)
        #expect(JSONLogHandler.render(.stringConvertible(Double.nan)) == #""nan""#)
        #expect(JSONLogHandler.render(.stringConvertible(Double.infinity)) == #""inf""#)
        #expect(JSONLogHandler.render(.stringConvertible("a \"quoted\" agent")) == #""a \"quoted\" agent""#)
        #expect(JSONLogHandler.render(["a": "b"]).hasPrefix("\""))
    }
}
