import NIOCore
import Testing

@testable import GatewayServer

/// The HTTP/0.9 look at each read: a whole request line with no version.
@Suite("Client reads: HTTP/0.9 request lines")
struct ClientBytesReadTests {
    @Test(arguments: [
        ("GET /\r\n", true),
        ("GET /\n", true),
        ("GET /HTTP/1.1\r\n", true),
        ("GET / HTTP\r\n", true),
        ("GET / HTTP/1.1\r\nHost: gw\r\n\r\n", false),
        ("GET / HTTP/\n", false),
        ("POST /v1/charges HTTP/1.0\r\n", false),
        ("GET /", false),
        ("GET\r\n", false),
        ("GET\n / \n", false),
        ("", false),
    ])
    func versionlessLinesAreSeen(text: String, expected: Bool) {
        let read = ClientBytesRead(buffer: ByteBuffer(string: text))
        #expect(read.startsWithHTTP09Line == expected)
    }

    @Test func onlyTheFirst8KiBAreSearchedForTheLineEnd() {
        let long = "GET /" + String(repeating: "a", count: 8200) + "\r\n"
        #expect(!ClientBytesRead(buffer: ByteBuffer(string: long)).startsWithHTTP09Line)
    }

    @Test func aReadThatStartsMidBufferIsLookedAtFromItsReaderIndex() {
        var buffer = ByteBuffer(string: "xxGET /\r\n")
        buffer.moveReaderIndex(forwardBy: 2)
        #expect(ClientBytesRead(buffer: buffer).startsWithHTTP09Line)
    }
}
