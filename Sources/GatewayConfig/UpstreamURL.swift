import Foundation

/// Validates `upstreams.<name>.url`: `http` or `https`, a host, an optional
/// port and an optional base path that request paths are appended to.
enum UpstreamURL {
    static func validated(_ text: String) -> Result<String, ValueError> {
        guard let separator = text.range(of: "://") else {
            return .failure(ValueError("expected a URL like `http://127.0.0.1:9000`"))
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            return .failure(ValueError("unsupported scheme `\(text[..<separator.lowerBound])://`; use `http://` or `https://`"))
        }
        let rest = text[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        guard !authority.contains("@") else {
            return .failure(ValueError("credentials in the URL are not supported"))
        }
        // A base URL is joined with each request's path and query, so a query
        // or fragment of its own could not be kept meaningfully.
        guard !rest.contains("?"), !rest.contains("#") else {
            return .failure(ValueError("a query or fragment is not allowed; the URL may only carry a base path"))
        }
        guard !path.contains(where: { $0 == " " || $0 == "\t" }) else {
            return .failure(ValueError("the base path contains white space; percent-encode it"))
        }
        switch HostPort.parse(String(authority)) {
        case .failure(let error):
            return .failure(error)
        case .success(let parsed):
            guard !parsed.host.isEmpty else {
                return .failure(ValueError("the URL has no host"))
            }
            guard parsed.port != 0 else {
                return .failure(ValueError("port 0 is not a valid upstream port"))
            }
        }
        return .success(scheme + text[separator.lowerBound...])
    }
}
