extension GatewayConfiguration {
    /// The fields of `self` that differ from `running` and that only a
    /// restart applies, by their names in the file; empty when a reload can
    /// apply `self` whole. A reload applies `upstreams` and `routes` (with
    /// their policies). The listeners are bound (and the admin token guards
    /// one of them), the store client and its
    /// key prefix are shared by every claim in flight, connections read the
    /// limits when they open, and logging is bootstrapped once: all fixed at
    /// start.
    public func fieldsNeedingRestart(comparedTo running: GatewayConfiguration) -> [String] {
        var fields: [String] = []
        if listen != running.listen { fields.append("listen") }
        if adminListen != running.adminListen { fields.append("admin.listen") }
        // Usually `${ADMIN_TOKEN}`: the environment is fixed at start, so a
        // reload could not pick up a rotated secret anyway.
        if adminToken != running.adminToken { fields.append("admin.token") }
        if store.backend != running.store.backend { fields.append(Self.backendField(store.backend, running.store.backend)) }
        if store.keyPrefix != running.store.keyPrefix { fields.append("store.key_prefix") }
        if store.onUnavailable != running.store.onUnavailable { fields.append("store.on_unavailable") }
        if limits != running.limits { fields.append("limits") }
        if log != running.log { fields.append("log") }
        // The exporter is made once, with the transport, at start.
        if tracing != running.tracing { fields.append("tracing") }
        if shutdownTimeout != running.shutdownTimeout { fields.append("shutdown_timeout") }
        return fields
    }

    private static func backendField(_ new: StoreBackend, _ old: StoreBackend) -> String {
        switch (new, old) {
        case (.redis, .redis): return "store.redis"
        default: return "store.backend"
        }
    }
}
