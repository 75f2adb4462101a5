import Testing

@testable import GatewayConfig

@Suite("listen addresses")
struct ListenAddressTests {
    @Test func hostAndPort() {
        #expect(ListenAddress(parsing: "127.0.0.1:8080") == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(ListenAddress(parsing: "localhost:0") == ListenAddress(host: "localhost", port: 0))
    }

    @Test func portAloneBindsEveryInterface() {
        #expect(ListenAddress(parsing: ":8080") == ListenAddress(host: "0.0.0.0", port: 8080))
    }

    @Test func ipv6InBrackets() {
        let address = ListenAddress(parsing: "[::1]:8080")
        #expect(address == ListenAddress(host: "::1", port: 8080))
        #expect(address?.description == "[::1]:8080")
    }

    @Test func invalidAddresses() {
        #expect(ListenAddress(parsing: "8080") == nil)
        #expect(ListenAddress(parsing: "127.0.0.1") == nil)
        #expect(ListenAddress(parsing: "::1:8080") == nil)
        #expect(ListenAddress(parsing: "[::1]8080") == nil)
        #expect(ListenAddress(parsing: "host:65536") == nil)
        #expect(ListenAddress(parsing: "ho st:80") == nil)
    }

    @Test func messagesSayWhatIsWrong() {
        #expect(ListenAddress.validated("127.0.0.1")
            == .failure(ValueError("`127.0.0.1` has no port; write host:port, e.g. `127.0.0.1:8080` or `:8080`")))
        #expect(ListenAddress.validated("::1:8080")
            == .failure(ValueError("`::1:8080`: put an IPv6 address in brackets, e.g. `[::1]:8080`")))
    }

    @Test func listenInAFile() throws {
        let config = try ConfigFixtures.parse(ConfigFixtures.minimal(with: """
            listen: "[::]:8443"
            admin:
              listen: ":9191"

            """))
        #expect(config.listen == ListenAddress(host: "::", port: 8443))
        #expect(config.adminListen == ListenAddress(host: "0.0.0.0", port: 9191))
    }
}
