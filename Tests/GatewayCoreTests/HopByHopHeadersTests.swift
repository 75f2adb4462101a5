import Testing
@testable import GatewayCore

@Suite struct HopByHopHeadersTests {
    private func names(_ headers: [HeaderField]) -> [String] { headers.map(\.name) }

    @Test func fixedHopByHopHeadersAreRemoved() {
        let headers = [
            HeaderField(name: "Connection", value: "keep-alive"),
            HeaderField(name: "Keep-Alive", value: "timeout=5"),
            HeaderField(name: "Proxy-Connection", value: "keep-alive"),
            HeaderField(name: "TE", value: "trailers"),
            HeaderField(name: "Trailer", value: "X-Checksum"),
            HeaderField(name: "Transfer-Encoding", value: "chunked"),
            HeaderField(name: "Upgrade", value: "websocket"),
            HeaderField(name: "Content-Type", value: "application/json"),
            HeaderField(name: "Idempotency-Key", value: "k"),
        ]
        #expect(names(HopByHopHeaders.strip(headers)) == ["Content-Type", "Idempotency-Key"])
    }

    @Test func fixedNamesAreMatchedCaseInsensitively() {
        let headers = [
            HeaderField(name: "TRANSFER-ENCODING", value: "chunked"),
            HeaderField(name: "keep-alive", value: "5"),
            HeaderField(name: "uPgRaDe", value: "h2c"),
            HeaderField(name: "Accept", value: "*/*"),
        ]
        #expect(names(HopByHopHeaders.strip(headers)) == ["Accept"])
    }

    @Test func headersNamedInConnectionAreRemoved() {
        let headers = [
            HeaderField(name: "Connection", value: "X-Secret, x-other ,X-Third"),
            HeaderField(name: "x-secret", value: "1"),
            HeaderField(name: "X-OTHER", value: "2"),
            HeaderField(name: "X-Third", value: "3"),
            HeaderField(name: "X-Kept", value: "4"),
        ]
        #expect(names(HopByHopHeaders.strip(headers)) == ["X-Kept"])
    }

    @Test func severalConnectionHeadersAreAllHonoured() {
        let headers = [
            HeaderField(name: "Connection", value: "X-A"),
            HeaderField(name: "connection", value: "close,\tX-B"),
            HeaderField(name: "X-A", value: "1"),
            HeaderField(name: "X-B", value: "2"),
            HeaderField(name: "X-C", value: "3"),
        ]
        #expect(names(HopByHopHeaders.strip(headers)) == ["X-C"])
    }

    @Test func emptyListElementsDoNotRemoveAnything() {
        let headers = [
            HeaderField(name: "Connection", value: ", ,X-A,,"),
            HeaderField(name: "X-A", value: "1"),
            HeaderField(name: "X-B", value: "2"),
        ]
        #expect(names(HopByHopHeaders.strip(headers)) == ["X-B"])
    }

    @Test func orderAndDuplicatesOfEndToEndHeadersAreKept() {
        let headers = [
            HeaderField(name: "Set-Cookie", value: "a=1"),
            HeaderField(name: "Connection", value: "close"),
            HeaderField(name: "Content-Type", value: "text/plain"),
            HeaderField(name: "Set-Cookie", value: "b=2"),
        ]
        #expect(HopByHopHeaders.strip(headers) == [
            HeaderField(name: "Set-Cookie", value: "a=1"),
            HeaderField(name: "Content-Type", value: "text/plain"),
            HeaderField(name: "Set-Cookie", value: "b=2"),
        ])
    }

    @Test func noHeadersStaysEmpty() {
        #expect(HopByHopHeaders.strip([]).isEmpty)
    }

    /// The in-place path (no `Connection` header) must agree with the set
    /// lookup on every name, including end-to-end names of the same length.
    @Test func inPlaceMatchingAgreesWithTheFixedSet() {
        let names = ["TE", "Te", "tE", "TRAILER", "Upgrade", "upgradE", "Keep-Alive", "CONNECTION", "Proxy-Connection",
                     "Transfer-Encoding", "Accept", "XY", "Trailers", "Content-Length", "Content-Encoding",
                     "X-Request-Id", "Authorization", "Idempotency-Key", "x-forwarded-host", "keep-alivE", "proxy-connectioN"]
        for name in names {
            #expect(HopByHopHeaders.isFixed(name) == HopByHopHeaders.fixed.contains(name.asciiLowercased), "\(name)")
        }
        let headers = names.filter { !$0.caseInsensitiveEquals("connection") }.map { HeaderField(name: $0, value: "v") }
        #expect(HopByHopHeaders.strip(headers).map(\.name) == ["Accept", "XY", "Trailers", "Content-Length", "Content-Encoding",
                                                               "X-Request-Id", "Authorization", "Idempotency-Key", "x-forwarded-host"])
    }

    @Test func caseInsensitiveEqualsRejectsDifferentLengths() {
        #expect("Content-Length".caseInsensitiveEquals("content-length"))
        #expect(!"Content-Length".caseInsensitiveEquals("content-lengths"))
        #expect(!"te".caseInsensitiveEquals("t"))
        #expect("".caseInsensitiveEquals(""))
    }

    /// Connection tokens are read as bytes: fixed names and `close` in any
    /// case remove nothing more, white space around a token is trimmed, and
    /// the protecting closure sees the trimmed token.
    @Test func connectionTokensAreMatchedInAnyCaseAndTrimmed() {
        let headers = [
            HeaderField(name: "Connection", value: "Keep-Alive, CLOSE,\tTE ,UPGRADE, x-gone\t, Idempotency-Key"),
            HeaderField(name: "X-Gone", value: "1"),
            HeaderField(name: "Idempotency-Key", value: "k"),
            HeaderField(name: "Close", value: "kept: close is an option, not a field name here"),
            HeaderField(name: "X-Kept", value: "2"),
        ]
        var seen: [Substring] = []
        let stripped = HopByHopHeaders.strip(headers, protecting: { token in
            seen.append(token)
            return token.caseInsensitiveEquals("idempotency-key")
        })
        #expect(names(stripped) == ["Idempotency-Key", "Close", "X-Kept"])
        #expect(seen == ["x-gone", "Idempotency-Key"])
    }

    /// One pass may also drop the caller's own names and leave room for
    /// fields it appends.
    @Test func alsoRemovingAndReservingWorkInTheSamePass() {
        let headers = [
            HeaderField(name: "Host", value: "gw"),
            HeaderField(name: "Connection", value: "x-a"),
            HeaderField(name: "X-A", value: "1"),
            HeaderField(name: "Accept", value: "*/*"),
        ]
        let stripped = HopByHopHeaders.strip(headers, alsoRemoving: { $0.caseInsensitiveEquals("host") }, reservingExtra: 3)
        #expect(names(stripped) == ["Accept"])
        #expect(stripped.capacity >= 4)
    }
}
