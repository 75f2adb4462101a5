/// The gateway's release version: what `--version` prints and what the
/// `idempotency_gateway_build_info` metric carries, so an operator can tell
/// which build answers. Bumped with each release.
public enum GatewayVersion {
    public static let current = "0.1.0"
}
