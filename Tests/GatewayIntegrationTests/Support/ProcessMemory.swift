import Foundation

/// The test process's resident memory, from /proc/self/status, so a test can
/// bound what a transfer cost without trusting the code's own accounting.
enum ProcessMemory {
    /// VmHWM (peak resident set) in bytes.
    static var peakResident: Int { field("VmHWM:") }
    /// VmRSS (current resident set) in bytes.
    static var resident: Int { field("VmRSS:") }

    /// Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux 4.0+),
    /// so the next reading is the peak from now on; false if refused.
    @discardableResult
    static func resetPeak() -> Bool {
        FileManager.default.isWritableFile(atPath: "/proc/self/clear_refs")
            && (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
    }

    private static func field(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
        let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return kilobytes * 1024
    }
}
