/// A request target (RFC 9112 §3.2) read once, checked and normalised, so the
/// route, the fingerprint and the upstream all see the same path.
///
/// Why here and not in libcurl: a proxy that routes on one path and sends
/// another lets `POST /v1/charges/../orders` pass the checks of one route and
/// run as another. Dot segments are removed (RFC 3986 §5.2.4) before routing,
/// and whatever could be read two ways downstream is refused: a climb above
/// `/`, encoded dot segments, an encoded `/`, NUL, a fragment, bytes outside
/// visible ASCII.
public struct RequestTarget: Sendable, Equatable {
    /// The normalised path: starts with `/`, holds no `.` or `..` segment.
    public var path: String
    /// The query without `?`; nil when the target had no `?`.
    public var query: String?
    /// The authority of an absolute-form target (`http://host:port/path`),
    /// which stands in for `Host` (RFC 9112 §3.2.2); nil for origin-form.
    public var authority: String?

    public init(path: String, query: String? = nil, authority: String? = nil) {
        self.path = path
        self.query = query
        self.authority = authority
    }

    /// Why a target was refused; `explanation` goes into the 400's detail.
    public enum Invalid: Error, Equatable, Sendable {
        case notVisibleASCII
        case fragment
        case encodedNUL
        case encodedSlash
        case encodedDotSegment
        case badPercentEncoding
        case climbsAboveRoot
        case unsupportedForm

        public var explanation: String {
            switch self {
            case .notVisibleASCII: return "the request target holds a byte outside visible ASCII"
            case .fragment: return "the request target holds a fragment (#)"
            case .encodedNUL: return "the request target holds an encoded NUL (%00)"
            case .encodedSlash: return "the request path holds an encoded slash (%2F)"
            case .encodedDotSegment: return "the request path holds an encoded dot segment (%2E)"
            case .badPercentEncoding: return "the request path holds a % not followed by two hex digits"
            case .climbsAboveRoot: return "the request path climbs above / with .."
            case .unsupportedForm: return "the request target is neither a path nor an absolute http(s) URL"
            }
        }
    }

    /// Reads `target` as sent on the request line.
    public static func parse(_ target: String) throws(Invalid) -> RequestTarget {
        let bytes = Array(target.utf8)
        for byte in bytes {
            guard byte > 0x20, byte < 0x7F else { throw .notVisibleASCII }
            if byte == UInt8(ascii: "#") { throw .fragment }
        }
        var rest = bytes[...]
        var authority: String?
        if rest.first != UInt8(ascii: "/") {
            guard let afterScheme = schemeEnd(rest) else { throw .unsupportedForm }
            let authorityEnd = rest[afterScheme...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
            // An empty authority or userinfo in it has no place in a request.
            let host = rest[afterScheme..<authorityEnd]
            guard !host.isEmpty, !host.contains(UInt8(ascii: "@")) else { throw .unsupportedForm }
            authority = String(decoding: host, as: UTF8.self)
            rest = rest[authorityEnd...]
        }
        let queryMark = rest.firstIndex(of: UInt8(ascii: "?"))
        let rawPath = rest[..<(queryMark ?? rest.endIndex)]
        let query = queryMark.map { String(decoding: rest[($0 + 1)...], as: UTF8.self) }
        if let queryMark, containsEncodedNUL(rest[(queryMark + 1)...]) { throw .encodedNUL }
        // `http://host?q` has an empty path, which means `/`.
        let path = rawPath.isEmpty ? "/" : try normalisedPath(rawPath)
        return RequestTarget(path: path, query: query, authority: authority)
    }

    /// The index after `http://` or `https://` (any case), or nil.
    private static func schemeEnd(_ bytes: ArraySlice<UInt8>) -> Int? {
        for scheme in ["http://", "https://"] {
            let prefix = Array(scheme.utf8)
            guard bytes.count >= prefix.count else { continue }
            let candidate = bytes.prefix(prefix.count)
            if zip(candidate, prefix).allSatisfy({ ($0 | 0x20) == $1 || $0 == $1 }) {
                return bytes.startIndex + prefix.count
            }
        }
        return nil
    }

    private static func containsEncodedNUL(_ bytes: ArraySlice<UInt8>) -> Bool {
        var index = bytes.startIndex
        while let percent = bytes[index...].firstIndex(of: UInt8(ascii: "%")) {
            if percent + 2 < bytes.endIndex, bytes[percent + 1] == UInt8(ascii: "0"), bytes[percent + 2] == UInt8(ascii: "0") {
                return true
            }
            index = percent + 1
        }
        return false
    }

    /// RFC 3986 §5.2.4 remove_dot_segments on a path that starts with `/`,
    /// except that a `..` at the root is refused rather than dropped.
    static func normalisedPath(_ raw: ArraySlice<UInt8>) throws(Invalid) -> String {
        guard raw.first == UInt8(ascii: "/") else { throw .unsupportedForm }
        // Most paths hold neither an escape nor a dot segment: taken as is.
        if !raw.contains(UInt8(ascii: "%")), !containsDotSegment(raw) {
            return String(decoding: raw, as: UTF8.self)
        }
        // Segments after the leading `/`; `/a//b/` gives a, "", b, "".
        let segments = raw.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        var output: [ArraySlice<UInt8>] = []
        output.reserveCapacity(segments.count)
        // A path that ends in `.` or `..` ends in `/` once they are removed.
        var trailingSlash = false
        for segment in segments {
            try checkEscapes(segment)
            trailingSlash = false
            switch segment.count {
            case 1 where segment.first == UInt8(ascii: "."):
                trailingSlash = true
            case 2 where segment.allSatisfy({ $0 == UInt8(ascii: ".") }):
                guard !output.isEmpty else { throw .climbsAboveRoot }
                output.removeLast()
                trailingSlash = true
            default:
                output.append(segment)
            }
        }
        var result: [UInt8] = []
        result.reserveCapacity(raw.count)
        for segment in output {
            result.append(UInt8(ascii: "/"))
            result.append(contentsOf: segment)
        }
        if trailingSlash || result.isEmpty { result.append(UInt8(ascii: "/")) }
        return String(decoding: result, as: UTF8.self)
    }

    /// True when some segment is `.` or `..`.
    private static func containsDotSegment(_ raw: ArraySlice<UInt8>) -> Bool {
        var index = raw.startIndex
        while let dot = raw[index...].firstIndex(of: UInt8(ascii: ".")) {
            let after = raw[(dot + 1)...].first
            if raw[dot - 1] == UInt8(ascii: "/"), after == nil || after == UInt8(ascii: "/") || after == UInt8(ascii: ".") {
                let afterSecond = raw[(dot + 1)...].dropFirst().first
                if after != UInt8(ascii: ".") || afterSecond == nil || afterSecond == UInt8(ascii: "/") { return true }
            }
            index = dot + 1
        }
        return false
    }

    /// Refuses what a decoder further on could read as a separator, a dot
    /// segment or the end of a C string.
    private static func checkEscapes(_ segment: ArraySlice<UInt8>) throws(Invalid) {
        var index = segment.startIndex
        var dots = 0
        var encodedDots = 0
        while index < segment.endIndex {
            let byte = segment[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < segment.endIndex, let high = HexText.digitValue(segment[index + 1]),
                      let low = HexText.digitValue(segment[index + 2])
                else { throw .badPercentEncoding }
                switch high << 4 | low {
                case 0: throw .encodedNUL
                case UInt8(ascii: "/"): throw .encodedSlash
                case UInt8(ascii: "."): encodedDots += 1
                default: break
                }
                index += 3
            } else {
                if byte == UInt8(ascii: ".") { dots += 1 }
                index += 1
            }
        }
        // Only the decoded characters, all dots: `%2e`, `.%2E`, `%2e%2e`.
        let decodedLength = segment.count - 2 * encodedDots
        if encodedDots > 0, dots + encodedDots == decodedLength, decodedLength <= 2 { throw .encodedDotSegment }
    }
}
