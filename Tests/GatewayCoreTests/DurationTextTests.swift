import Testing
@testable import GatewayCore

@Suite struct DurationTextTests {
    @Test func singleUnitsParse() {
        #expect(DurationText.parse("250ms") == .milliseconds(250))
        #expect(DurationText.parse("30s") == .seconds(30))
        #expect(DurationText.parse("10m") == .seconds(600))
        #expect(DurationText.parse("24h") == .seconds(86_400))
        #expect(DurationText.parse("7d") == .seconds(604_800))
        #expect(DurationText.parse("0s") == .zero)
    }

    @Test func compoundDurationsAdd() {
        #expect(DurationText.parse("1m30s") == .seconds(90))
        #expect(DurationText.parse("1h1m1s1ms") == .milliseconds(3_661_001))
        #expect(DurationText.parse("1s500ms") == .milliseconds(1500))
    }

    @Test func surroundingWhitespaceIsIgnored() {
        #expect(DurationText.parse("  5s\t") == .seconds(5))
    }

    @Test(arguments: ["", "   ", "5", "s", "5x", "5 s", "5S", "1.5s", "-5s", "5s-", "5sec", "m5", "5s 3m", "1m30", "ms"])
    func malformedTextIsRejected(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func numbersTooLargeForIntAreRejected() {
        #expect(DurationText.parse("99999999999999999999s") == nil)
        #expect(DurationText.parse("9223372036854775808ms") == nil)
    }

    @Test func unitMultiplicationThatOverflowsIsRejected() {
        // Each number fits in Int but not once turned into seconds or milliseconds.
        #expect(DurationText.parse("999999999999999999m") == nil)
        #expect(DurationText.parse("9223372036854775807h") == nil)
        #expect(DurationText.parse("9223372036854775807d") == nil)
    }

    @Test func parsedDurationsHaveRepresentableMilliseconds() {
        // A duration that parses must survive `milliseconds` and `format`,
        // which the store (Redis PX) and configuration messages use.
        if let huge = DurationText.parse("9223372036854775807s") {
            #expect(huge.milliseconds > 0)
            #expect(!DurationText.format(huge).isEmpty)
        }
        let sum = String(repeating: "9000000000000000000ms", count: 3)
        #expect(DurationText.parse(sum) == nil)
    }

    @Test func largestMillisecondValueParses() {
        #expect(DurationText.parse("9223372036854775807ms")?.milliseconds == Int64.max)
    }

    @Test func formatUsesTheLargestEvenUnit() {
        #expect(DurationText.format(.seconds(7200)) == "2h")
        #expect(DurationText.format(.seconds(90)) == "90s")
        #expect(DurationText.format(.seconds(120)) == "2m")
        #expect(DurationText.format(.milliseconds(1500)) == "1500ms")
        #expect(DurationText.format(.seconds(30)) == "30s")
        #expect(DurationText.format(.zero) == "0s")
    }

    @Test(arguments: ["250ms", "30s", "10m", "24h", "1500ms", "90s"])
    func formatThenParseRoundTrips(text: String) throws {
        let duration = try #require(DurationText.parse(text))
        #expect(DurationText.parse(DurationText.format(duration)) == duration)
    }

    @Test func millisecondsTruncate() {
        #expect(Duration.seconds(2).milliseconds == 2000)
        #expect(Duration.microseconds(1999).milliseconds == 1)
        #expect((Duration.seconds(3) + .milliseconds(250)).milliseconds == 3250)
    }

    @Test func retryAfterRoundsUpToWholeSecondsAndIsAtLeastOne() {
        #expect(Duration.zero.retryAfterSeconds == 1)
        #expect(Duration.milliseconds(1).retryAfterSeconds == 1)
        #expect(Duration.milliseconds(1000).retryAfterSeconds == 1)
        #expect(Duration.milliseconds(1001).retryAfterSeconds == 2)
        #expect(Duration.seconds(45).retryAfterSeconds == 45)
    }
}
