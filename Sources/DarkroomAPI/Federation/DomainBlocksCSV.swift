import DarkroomCore
import DarkroomStorage
import SwiftCSV

/// Server policies as Mastodon's admin exports and imports domain blocks (`#domain,#severity,#reject_media,…`), so a
/// list moves between Darkroom and other servers either way: `suspend` is Mastodon's suspend, `limit` its silence,
/// `rejectMedia` a noop with media rejected.
public enum DomainBlocksCSV {
    public static let header = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"
    /// The most lines one file may hold.
    public static let limit = 10_000

    public struct Entry: Sendable, Equatable {
        public var domain: String
        public var policy: DomainPolicy
        public var note: String
    }

    public static func export(_ entries: [FederationStore.DomainEntry]) -> String {
        var lines = [header]
        for entry in entries where entry.policy != .none {
            let severity =
                switch entry.policy {
                case .suspend: "suspend"
                case .limit: "silence"
                case .rejectMedia, .none: "noop"
                }
            let note =
                entry.note.contains(",") || entry.note.contains("\"")
                ? "\"" + entry.note.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : entry.note
            lines.append([entry.domain, severity, entry.policy == .rejectMedia ? "true" : "false", "false", note, "false"].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a list, with Mastodon's header (columns by name, `#` optional) or without one (Mastodon's column order).
    /// A severity Darkroom does not know is refused, naming the line's domain.
    public static func parse(_ text: String) throws(DomainError) -> [Entry] {
        let trimmed = text.trimmingSpaces()
        guard !trimmed.isEmpty else { return [] }
        let firstLine = trimmed.prefix { $0 != "\n" && $0 != "\r" }.lowercased()
        let withHeader = firstLine.contains("domain") ? String(trimmed) : header + "\n" + trimmed
        let rows: [[String]]
        do {
            rows = try EnumeratedCSV(string: withHeader, loadColumns: false).rows
        } catch {
            throw .invalidInput(field: "domain_blocks", reason: "the file is not a CSV list")
        }
        guard rows.count <= limit else { throw .invalidInput(field: "domain_blocks", reason: "at most \(limit) servers at a time") }
        let names: [String] = withHeader.prefix { $0 != "\n" && $0 != "\r" }.split(separator: ",").map { column in
            let name = String(column).trimmingSpaces().lowercased()
            return name.hasPrefix("#") ? String(name.dropFirst()) : name
        }
        var entries: [Entry] = []
        for row in rows {
            func value(_ name: String) -> String {
                guard let index = names.firstIndex(of: name), index < row.count else { return "" }
                return row[index].trimmingSpaces()
            }
            let domain = value("domain").lowercased()
            guard !domain.isEmpty else { continue }
            let policy: DomainPolicy
            switch value("severity").lowercased() {
            case "suspend", "": policy = .suspend
            case "silence", "limit": policy = .limit
            case "noop": policy = value("reject_media").lowercased() == "true" ? .rejectMedia : .none
            case let other: throw .invalidInput(field: "severity", reason: "\(other) (for \(domain)) is not suspend, silence or noop")
            }
            entries.append(Entry(domain: domain, policy: policy, note: value("public_comment")))
        }
        return entries
    }
}
