#if canImport(Glibc)
import Glibc
#endif

/// What Linux's /proc says about this process right now. Read at scrape
/// time only (a few small in-memory files, never on the request path); on a
/// system without /proc every reading is nil and the metric keeps its value.
struct ProcessFacts {
    var residentBytes: Double?
    var cpuSeconds: Double?
    var openDescriptors: Double?

    static func read() -> ProcessFacts {
        var facts = ProcessFacts()
        if let fields = statFields() {
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            if ticks > 0, let user = Double(fields[11]), let system = Double(fields[12]) {
                facts.cpuSeconds = (user + system) / ticks
            }
            if let pages = Double(fields[21]) { facts.residentBytes = pages * Double(sysconf(Int32(_SC_PAGESIZE))) }
        }
        facts.openDescriptors = countOpenDescriptors()
        return facts
    }

    /// Seconds since the epoch at which the process started: boot time
    /// (`btime` in /proc/stat) plus the start tick in /proc/self/stat.
    static func startTime() -> Double? {
        guard let fields = statFields(), let startTicks = Double(fields[19]),
              let stat = readSmallFile("/proc/stat") else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard ticks > 0 else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            guard let boot = Double(line.dropFirst(6)) else { return nil }
            return boot + startTicks / ticks
        }
        return nil
    }

    /// /proc/self/stat's fields after the command name, which is in
    /// parentheses and may itself hold spaces or parentheses: index 0 is
    /// field 3 (state), so utime (14) is 11, stime 12, starttime 19, rss 21.
    private static func statFields() -> [Substring]? {
        guard let text = readSmallFile("/proc/self/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 21 ? Array(fields) : nil
    }

    /// Entries of /proc/self/fd, less the one this count holds open itself.
    private static func countOpenDescriptors() -> Double? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in name[0] == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return Double(max(count - 1, 0))
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: buffer[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
