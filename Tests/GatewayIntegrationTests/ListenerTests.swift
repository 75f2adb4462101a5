import NIOCore
import NIOPosix
import Testing

/// A listener that cannot bind stops the whole gateway, non-zero, with an
/// error that names the field and the address: never a proxy without its
/// probes, or probes for a proxy that is not there.
@Suite(.serialized)
struct ListenerTests {
    @Test(arguments: ["listen", "admin.listen"])
    func aTakenPortStopsTheGatewayAndNamesTheField(field: String) async throws {
        let squatter = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let taken = try #require(squatter.localAddress?.port)
        let redis = try await RedisServerProcess.start()
        let yaml = GatewayFixture.yaml(store: GatewayFixture.redisStore(port: redis.port), upstreamPort: FreePort.next(),
                                       routes: GatewayFixture.defaultRoutes)
        let free = FreePort.next()
        let (port, adminPort) = field == "listen" ? (taken, free) : (free, taken)

        // The other listener may come up first, or not at all.
        let status: Int32?
        let log: String
        do {
            let gateway = try await GatewayProcess(yaml: yaml, port: port, adminPort: adminPort)
            status = await gateway.waitForExit(timeout: .seconds(15))
            log = gateway.log
        } catch let failure as GatewayFailedToStart {
            status = failure.status
            log = failure.log
        }
        #expect(status == 1)
        #expect(log.contains("cannot listen on 127.0.0.1:\(taken) (\(field))"))
        #expect(log.contains("Address already in use"))
        // Said once, in the log line: not repeated by the argument parser.
        #expect(log.components(separatedBy: "cannot listen on").count == 2)
        #expect(!log.contains("Error: "))
        // Nothing still runs on the event loops once they have shut down
        // (a Redis connect resolving its host used to post to a closed loop).
        #expect(!log.contains("Cannot schedule tasks"))
        // The listener that did bind is gone with the process.
        #expect(!FreePort.isAccepting(free))
        try await squatter.close()
        redis.stop()
    }
}
