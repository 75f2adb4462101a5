import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Keeps SIGHUP from killing the gateway. Its default action ends the
/// process with no drain, and process managers send it to mean "reload";
/// reloading comes later, so for now it is logged and otherwise ignored.
/// A dispatch source, not a C handler: the log call must not run in signal
/// context.
final class HangupHandler {
    private let source: any DispatchSourceSignal

    init(logger: Logger) {
        // Ignored first, so a SIGHUP that arrives before the source is
        // armed cannot end the process either.
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler {
            logger.notice("SIGHUP received; configuration reload is not supported yet, the gateway keeps running")
        }
        source.resume()
    }

    func stop() {
        source.cancel()
    }
}
