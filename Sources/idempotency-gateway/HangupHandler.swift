import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGHUP into a configuration reload, the way process managers
/// (systemd's `ExecReload`, config-reloader sidecars) ask for one. Its
/// default action would end the process with no drain. A dispatch source,
/// not a C handler: the reload must not run in signal context.
final class HangupHandler {
    private let source: any DispatchSourceSignal

    init(reloader: ConfigurationReloader) {
        // Ignored first, so a SIGHUP that arrives before the source is
        // armed cannot end the process either.
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler {
            Task { _ = await reloader.reload(trigger: "SIGHUP") }
        }
        source.resume()
    }

    func stop() {
        source.cancel()
    }
}
