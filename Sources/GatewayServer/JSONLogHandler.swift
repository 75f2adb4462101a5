import Foundation
import GatewayCore
import Logging

/// `log.format: json`: one JSON object per line on standard error, the shape
/// log shippers (Loki, Elasticsearch, Cloud Logging) parse without rules.
/// A number given as `.stringConvertible` (an integer, a finite floating-point
/// value) or a Bool is written bare, so a shipper sees `"status":201` and can
/// compare and sum it; every other value becomes a string, nested metadata
/// flattened to text.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "{\"ts\":\"\(Self.timestamp())\",\"level\":\"\(event.level.rawValue)\",\"logger\":\(Self.quote(label)),\"msg\":\(Self.quote(event.message.description))"
        var merged = event.metadata.map { metadata.merging($0) { _, new in new } } ?? metadata
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        for key in merged.keys.sorted() {
            line += ",\(Self.quote(key)):\(Self.render(merged[key]!))"
        }
        line += "}\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// RFC 3339 UTC with milliseconds, built by hand: a DateFormatter per
    /// line would cost more than the rest of the request.
    static func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(spec.tv_nsec / 1_000_000), 3))Z"
    }

    /// One metadata value as JSON: bare for numbers and Bools, quoted otherwise.
    static func render(_ value: Logger.MetadataValue) -> String {
        guard case .stringConvertible(let convertible) = value else { return quote(value.description) }
        switch convertible {
        case is Int, is Int64, is Int32, is UInt, is UInt64, is UInt32, is Bool:
            return convertible.description
        case let number as Double where number.isFinite:
            return number.description
        default:
            return quote(convertible.description)
        }
    }

    static func quote(_ text: String) -> String {
        JSONText.quote(text)
    }
}
