// nio-floor PORT: a SwiftNIO HTTP/1.1 server on 127.0.0.1:PORT with one event
// loop per core, as the gateway runs, and NIO's own HTTP/1 codec.
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix

guard CommandLine.arguments.count == 2, let port = Int(CommandLine.arguments[1]) else {
    print("usage: nio-floor PORT")
    exit(2)
}
// SIGTERM ends the process through exit_group, so a run under callgrind still
// writes its profile.
signal(SIGTERM) { _ in _exit(0) }

let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
let channel = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            // No pipelining assistance: it stops reading while a response is
            // pending (two epoll_ctl calls per request), and wrk does not
            // pipeline. The gateway leaves it out for the same reason.
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandler(FloorHandler())
        }
    }
    .bind(host: "127.0.0.1", port: port)
    .wait()
print("nio-floor listening on 127.0.0.1:\(port) with \(System.coreCount) event loops")
try channel.closeFuture.wait()
