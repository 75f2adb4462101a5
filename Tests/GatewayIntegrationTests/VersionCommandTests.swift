import Foundation
import GatewayCore
import Testing

/// `--version` answers with the release version and exits 0, like every
/// other server binary an operator checks after a deploy.
@Suite
struct VersionCommandTests {
    @Test func versionFlagPrintsTheReleaseVersion() throws {
        let (status, output) = try CheckCommandTests.run(["--version"])
        #expect(status == 0)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == GatewayVersion.current)
        #expect(GatewayVersion.current.split(separator: ".").count == 3)
    }
}
