import ArgumentParser
import ExampleUpstream

/// The quick start's stand-in API: answers every request with 201 and a JSON
/// body that counts executions, so a replay is easy to tell from a new one.
@main
struct ExampleUpstreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example-upstream",
        abstract: "A demo HTTP upstream that counts how often each request executes.")

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 9000

    func run() async throws {
        let server = try await ExampleUpstreamServer.start(host: host, port: port)
        print("example-upstream listening on http://\(host):\(server.port) (GET /__stats for counts)")
        try await server.wait()
    }
}
