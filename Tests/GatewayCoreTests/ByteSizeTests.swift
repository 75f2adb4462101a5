import Testing
@testable import GatewayCore

@Suite struct ByteSizeTests {
    @Test func plainNumbersAreBytes() {
        #expect(ByteSize(parsing: "512")?.bytes == 512)
        #expect(ByteSize(parsing: "0")?.bytes == 0)
        #expect(ByteSize(parsing: "512B")?.bytes == 512)
    }

    @Test func binaryUnits() {
        #expect(ByteSize(parsing: "64KiB")?.bytes == 65_536)
        #expect(ByteSize(parsing: "1MiB")?.bytes == 1_048_576)
        #expect(ByteSize(parsing: "2GiB")?.bytes == 2_147_483_648)
    }

    @Test func decimalLookingUnitsMeanBinaryUnits() {
        #expect(ByteSize(parsing: "64KB")?.bytes == 65_536)
        #expect(ByteSize(parsing: "1MB")?.bytes == 1_048_576)
        #expect(ByteSize(parsing: "1GB")?.bytes == 1 << 30)
        #expect(ByteSize(parsing: "1k")?.bytes == 1024)
        #expect(ByteSize(parsing: "1m")?.bytes == 1 << 20)
        #expect(ByteSize(parsing: "1g")?.bytes == 1 << 30)
    }

    @Test func unitsAreCaseInsensitiveAndMayBeSpaced() {
        #expect(ByteSize(parsing: "10 kib")?.bytes == 10_240)
        #expect(ByteSize(parsing: " 3 MIB ")?.bytes == 3 << 20)
    }

    @Test(arguments: ["", " ", "MiB", "-1", "1.5MiB", "1 0", "10TB", "10 bytes", "1MiBx", "0x10", "½", "١٢"])
    func malformedSizesAreRejected(text: String) {
        #expect(ByteSize(parsing: text) == nil)
    }

    @Test func overflowIsRejected() {
        #expect(ByteSize(parsing: "99999999999999999999") == nil)
        #expect(ByteSize(parsing: "9223372036854775807GiB") == nil)
        #expect(ByteSize(parsing: "8589934592GiB") == nil)     // 2^33 GiB = 2^63 bytes
        #expect(ByteSize(parsing: "8589934591GiB")?.bytes == 8_589_934_591 << 30)
        #expect(ByteSize(parsing: "9223372036854775807")?.bytes == Int.max)
    }

    @Test func descriptionUsesTheLargestEvenUnit() {
        #expect(ByteSize(bytes: 1 << 20).description == "1MiB")
        #expect(ByteSize(bytes: 64 << 10).description == "64KiB")
        #expect(ByteSize(bytes: 1500).description == "1500")
        #expect(ByteSize(bytes: 0).description == "0")
        #expect(ByteSize(bytes: 1 << 30).description == "1024MiB")
    }

    @Test(arguments: [0, 1, 1023, 1024, 65_536, 1_048_576, 3 << 30, 1_048_577])
    func descriptionParsesBack(bytes: Int) {
        #expect(ByteSize(parsing: ByteSize(bytes: bytes).description)?.bytes == bytes)
    }
}
