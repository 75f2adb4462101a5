import Foundation

/// The kernel's view of loopback TCP sockets (/proc/net/tcp), for tests that
/// need to know when the gateway closed a connection the client cannot
/// notice: a client that never reads never sees the FIN, which waits behind
/// the unread bytes.
enum SocketTable {
    /// True while a socket from `localPort` to `remotePort` is ESTABLISHED
    /// (state 01) and still owned by a process (it has an inode): a socket
    /// the gateway closed is gone, or orphaned in FIN-WAIT with inode 0.
    static func isOpen(localPort: Int, remotePort: Int) -> Bool {
        guard let table = readAll("/proc/net/tcp") else { return false }
        let local = ":" + hex(localPort)
        let remote = ":" + hex(remotePort)
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[1].hasSuffix(local), fields[2].hasSuffix(remote) else { continue }
            return fields[3] == "01" && fields[9] != "0"
        }
        return false
    }

    /// The whole file: procfs reports size 0, and a read sized by that
    /// (as `String(contentsOfFile:)` may do) stops after the first page.
    private static func readAll(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        while let chunk = try? handle.read(upToCount: 65536), !chunk.isEmpty { bytes += chunk }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ port: Int) -> String {
        let digits = String(port, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// When the gateway side of a client's connection closed, polling up to `limit`.
    static func waitForClose(gatewayPort: Int, clientPort: Int, limit: Duration) async -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if !isOpen(localPort: gatewayPort, remotePort: clientPort) { return .now }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
