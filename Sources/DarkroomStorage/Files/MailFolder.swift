import DarkroomCore
import Foundation

/// Mail kept on disk instead of sent, when no SMTP server is configured: one `.eml` file per message in `DATA/mail/`,
/// named by when it was written, each readable by any mail program and listed by `darkroom mail list`. So the embedded
/// default still gives people their links, through the operator.
public struct MailFolder: Sendable {
    public let directory: String

    public init(dataDirectory: String) {
        directory = dataDirectory + "/mail"
    }

    /// Writes a rendered message; answers its path. Written under a hidden name, flushed, then renamed, so a reader
    /// never sees half a message.
    public func write(_ rendered: String, at seconds: Int64, id: String) throws -> String {
        try FileSystem.makeDirectory(directory)
        let name = "\(Self.stamp(seconds))-\(id).eml"
        let partial = directory + "/." + name
        try FileSystem.writeDurably(Array(rendered.utf8), to: partial)
        try FileSystem.rename(partial, to: directory + "/" + name)
        FileSystem.syncDirectory(directory)
        return directory + "/" + name
    }

    /// One message in the folder, by its headers.
    public struct Entry: Sendable, Encodable, Equatable {
        public var file: String
        public var date: String
        public var to: String
        public var subject: String
    }

    /// Every message, oldest first.
    public func list() -> [Entry] {
        FileSystem.list(directory).filter { $0.hasSuffix(".eml") && !$0.hasPrefix(".") }.sorted().compactMap { name in
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            let headers = Self.headers(of: String(decoding: data.prefix(16_384), as: UTF8.self))
            let recipient = (headers["to"] ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
            return Entry(file: path, date: headers["date"] ?? "", to: recipient, subject: headers["subject"] ?? "")
        }
    }

    /// The header fields of a message, unfolded, their encoded words (RFC 2047, base64) decoded; names lowercased.
    static func headers(of message: String) -> [String: String] {
        var fields: [String: String] = [:]
        var current: String?
        for line in message.components(separatedBy: "\r\n") {
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t", let name = current {
                fields[name, default: ""] += line.dropFirst()
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            current = name
        }
        return fields.mapValues(decodingEncodedWords)
    }

    static func decodingEncodedWords(_ value: String) -> String {
        guard value.hasPrefix("=?utf-8?b?") else { return value }
        return value.components(separatedBy: "?=").compactMap { word -> String? in
            guard let start = word.range(of: "=?utf-8?b?") else { return nil }
            return Data(base64Encoded: String(word[start.upperBound...])).map { String(decoding: $0, as: UTF8.self) }
        }.joined()
    }

    static func stamp(_ seconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
