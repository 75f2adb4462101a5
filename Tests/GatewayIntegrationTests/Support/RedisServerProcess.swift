import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private `redis-server` on a loopback port, for tests that need the real
/// thing; never a system Redis. It can be stopped and started again on the
/// same port, to test what clients do across an outage. Killed in deinit.
final class RedisServerProcess {
    let port: Int
    /// Extra `redis-server` options, e.g. `["--requirepass", "secret"]`.
    let extraArguments: [String]
    /// Holds the log file; nothing is persisted (`--save ""`, no AOF).
    let directory: URL
    private var process: Process?

    static let binaryPath = ProcessInfo.processInfo.environment["REDIS_SERVER"] ?? "/usr/bin/redis-server"

    /// Starts a server on `port` and returns once it answers PING.
    static func start(port: Int = FreePort.next(), extraArguments: [String] = []) async throws -> RedisServerProcess {
        let server = try RedisServerProcess(port: port, extraArguments: extraArguments)
        try await server.start()
        return server
    }

    private init(port: Int, extraArguments: [String]) throws {
        self.port = port
        self.extraArguments = extraArguments
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    var isRunning: Bool { process?.isRunning ?? false }

    var logPath: String { directory.appendingPathComponent("redis.log").path }

    /// What the server logged so far; for failure messages.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// (Re)starts the server on the same port; returns once it answers PING.
    /// Does nothing if it is already running.
    func start() async throws {
        guard !isRunning else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--dir", directory.path, "--logfile", logPath,
        ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if Self.answersPing(port: port) { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        stop()
        throw RedisServerFailedToStart(port: port, log: log)
    }

    /// Stops the server and returns once the process is gone, so the port is
    /// free for `start()` again. By default with SIGKILL, like a crash: it is
    /// immediate, while redis-server 7 takes over a second to act on SIGTERM,
    /// and nothing is persisted anyway. With a `grace`, SIGTERM comes first.
    func stop(grace: Duration = .zero) {
        guard let process, process.isRunning else { return }
        if grace > .zero {
            kill(process.processIdentifier, SIGTERM)
            kill(process.processIdentifier, SIGCONT)  // a paused server cannot act on SIGTERM
            let deadline = ContinuousClock.now + grace
            while process.isRunning, ContinuousClock.now < deadline {
                usleep(5_000)
            }
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    /// Sends `signal` to the server: SIGSTOP makes it hang without closing
    /// connections (the kernel still accepts new ones), SIGCONT resumes it.
    func signal(_ signal: Int32) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, signal)
    }

    /// Sends a raw `PING` and expects `+PONG` (or `-NOAUTH`), with no client library: the
    /// launcher must not depend on the code it helps to test.
    static func answersPing(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var limit = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { return false }
        let request = Array("PING\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return false }
        var reply = [UInt8](repeating: 0, count: 16)
        let count = recv(fd, &reply, reply.count, 0)
        guard count > 0 else { return false }
        // With --requirepass the server answers NOAUTH, which still proves it is up.
        let text = String(decoding: reply[0..<count], as: UTF8.self)
        return text.hasPrefix("+PONG") || text.hasPrefix("-NOAUTH")
    }
}

struct RedisServerFailedToStart: Error, CustomStringConvertible {
    var port: Int
    var log: String
    var description: String { "redis-server did not answer PING on port \(port); its log:\n\(log)" }
}
