import Testing
@testable import GatewayCore

/// Every byte against RFC 9110 §5.6.2's `tchar` and against CR, LF and NUL,
/// through the paths short (inline) and long (heap) strings take.
@Suite struct HeaderSyntaxTests {
    private static let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    @Test func everyByteIsATokenByteExactlyWhenRFC9110SaysSo() {
        for byte in 0...255 {
            let bytes = [UInt8(byte)]
            #expect(bytes.withUnsafeBufferPointer { HeaderSyntax.isToken($0) } == Self.tchar.contains(UInt8(byte)), "byte \(byte)")
            let name = String(decoding: [UInt8(ascii: "X"), UInt8(byte)], as: UTF8.self)
            #expect(HeaderSyntax.isToken(name) == Self.tchar.contains(UInt8(byte)), "byte \(byte) in a name")
        }
    }

    @Test func tokensAreNonEmpty() {
        #expect(!HeaderSyntax.isToken(""))
        #expect(HeaderSyntax.isToken("Content-Type"))
        #expect(!HeaderSyntax.isToken("X-A "))
        #expect(!HeaderSyntax.isToken("Ümlaut"))
        #expect(HeaderSyntax.isToken(String(repeating: "x-long-name", count: 4)))
        #expect(!HeaderSyntax.isToken(String(repeating: "x-long-name", count: 4) + ":"))
    }

    @Test func valuesMayHoldAnythingButCRLFAndNUL() {
        for byte in 0...255 {
            let value = String(decoding: [UInt8(ascii: "a"), UInt8(byte), UInt8(ascii: "b")], as: UTF8.self)
            #expect(HeaderSyntax.isSafeValue(value) == !(byte == 0x0D || byte == 0x0A || byte == 0x00), "byte \(byte)")
        }
        // Long (heap) strings take the same path as short ones.
        #expect(!HeaderSyntax.isSafeValue(String(repeating: "v", count: 40) + "\r\nX-Injected: 1"))
        #expect(HeaderSyntax.isSafeValue(String(repeating: "v", count: 40) + "\tä"))
    }
}
