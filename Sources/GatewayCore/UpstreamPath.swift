/// Keeps a forwarded path under its upstream's base path.
///
/// The transport sends the path exactly as given (libcurl's dot-segment
/// removal is switched off), so a `..` that reached it would be resolved by the
/// upstream, above the base path the operator configured: `/tenantA/api` plus
/// `/../../admin` is `/admin`. The server normalises targets before routing;
/// this is the last line, applied where base and path are joined.
enum UpstreamPath {
    /// `path` with a leading `/` and without dot segments (`.`, `..` and their
    /// percent-encoded forms), which cannot climb above the root it is joined
    /// to. A normalised path comes back unchanged, without copying.
    static func confined(_ path: String) -> String {
        guard path.utf8.first == UInt8(ascii: "/") else {
            assertionFailure("a forwarded path must start with /")
            return confined("/" + path)
        }
        // Every request comes through here: a path with no segment starting
        // with `.` or `%` cannot hold a dot segment, and costs one scan.
        var previous: UInt8 = 0
        let mayHoldDots = path.utf8.contains { byte in
            defer { previous = byte }
            return previous == UInt8(ascii: "/") && (byte == UInt8(ascii: ".") || byte == UInt8(ascii: "%"))
        }
        guard mayHoldDots else { return path }
        let segments = path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard segments.contains(where: { dots(in: $0) > 0 }) else { return path }
        // RFC 3986 §5.2.4, with `..` at the root staying at the root.
        var kept: [Substring.UTF8View.SubSequence] = []
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            switch dots(in: segment) {
            case 1:
                if isLast { kept.append(segment[segment.endIndex...]) }
            case 2:
                if !kept.isEmpty { kept.removeLast() }
                if isLast { kept.append(segment[segment.endIndex...]) }
            default:
                kept.append(segment)
            }
        }
        return "/" + kept.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
    }

    /// 1 for a `.` segment, 2 for `..`, 0 otherwise; `%2E` counts as a dot.
    private static func dots(in segment: String.UTF8View.SubSequence) -> Int {
        var count = 0
        var index = segment.startIndex
        while index < segment.endIndex {
            if segment[index] == UInt8(ascii: ".") {
                index = segment.index(after: index)
            } else if segment[index] == UInt8(ascii: "%"), segment.distance(from: index, to: segment.endIndex) >= 3,
                      segment[segment.index(index, offsetBy: 1)] == UInt8(ascii: "2"),
                      segment[segment.index(index, offsetBy: 2)] | 0x20 == UInt8(ascii: "e") {
                index = segment.index(index, offsetBy: 3)
            } else {
                return 0
            }
            count += 1
            if count > 2 { return 0 }
        }
        return count
    }
}
