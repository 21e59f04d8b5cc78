import ArgumentParser
import Foundation
import Logging
import Synchronization

/// How log lines are written: for a person reading a terminal, or one JSON object per line for a log collector.
public enum LogFormat: String, Sendable, CaseIterable, ExpressibleByArgument {
    case text, json
}

/// Where finished lines go: standard error, or (in tests) anywhere.
public final class LogSink: Sendable {
    private let write: @Sendable (String) -> Void
    private let lock = Mutex(())

    public init(_ write: @escaping @Sendable (String) -> Void) { self.write = write }

    public static let standardError = LogSink { line in FileHandle.standardError.write(Data(line.utf8)) }

    func emit(_ line: String) {
        // Whole lines only, in order, however many threads log at once.
        lock.withLock { _ in write(line) }
    }
}

/// The server's log handler, in either format. Whatever the level, a line never carries a credential: every message
/// and metadata value passes through `LogRedaction` first, so a token that reached a log call by mistake (an error
/// quoting a URL, a library logging its request) is written as `[redacted]`.
public struct DarkroomLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let label: String
    private let format: LogFormat
    private let sink: LogSink

    public init(label: String, level: Logger.Level, format: LogFormat, sink: LogSink = .standardError) {
        self.label = label
        logLevel = level
        self.format = format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let message = LogRedaction.redact(event.message.description)
        let fields = merged.map { (Self.fieldName($0.key), LogRedaction.redact(field: $0.key, $0.value.description)) }
            .sorted { $0.0 < $1.0 }
        let time = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        switch format {
        case .text:
            let pairs = fields.map { " \($0.0)=\($0.1)" }.joined()
            sink.emit("\(time) \(event.level) \(label): \(message)\(pairs)\n")
        case .json:
            var line = "{\"time\":\(Self.quoted(time)),\"level\":\(Self.quoted(event.level.rawValue)),\"logger\":\(Self.quoted(label)),"
            line += "\"source\":\(Self.quoted(event.source)),\"message\":\(Self.quoted(message))"
            for (name, value) in fields where !["time", "level", "logger", "source", "message"].contains(name) {
                line += ",\(Self.quoted(name)):\(Self.quoted(value))"
            }
            sink.emit(line + "}\n")
        }
    }

    /// Hummingbird keeps each request's id as `hb.request.id`; the log calls it what a reader looks for.
    private static func fieldName(_ key: String) -> String {
        key == "hb.request.id" ? "request_id" : key
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20:
                out += String(format: "\\u%04x", control.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// What must never be written to a log: the values of credential parameters in anything shaped like a query or form
/// (`access_token=…`, `client_secret=…`, `code=…`, `password=…`), bearer tokens, and session cookies.
public enum LogRedaction {
    static let secretNames = [
        "access_token", "client_secret", "code", "password", "refresh_token", "token", "sig", "verify_token",
        "darkroom_session", "darkroom_csrf", "csrf", "session",
    ]

    /// A metadata value: all of it when its name is a credential's.
    public static func redact(field name: String, _ value: String) -> String {
        secretNames.contains(name.lowercased()) ? "[redacted]" : redact(value)
    }

    public static func redact(_ text: String) -> String {
        // Most lines hold nothing like a credential: one scan for the characters any of them needs.
        guard text.contains("=") || text.contains("Bearer") else { return text }
        var result = redactBearer(text)
        for name in secretNames { result = redactValues(of: name, in: result) }
        return result
    }

    private static func redactBearer(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let range = rest.range(of: "Bearer ") {
            result += rest[..<range.upperBound] + "[redacted]"
            rest = rest[range.upperBound...].drop { !isBoundary($0) }
        }
        return result + rest
    }

    /// `name=value` wherever `name` starts a word (so `barcode=` is left alone), the value up to the next separator.
    private static func redactValues(of name: String, in text: String) -> String {
        let marker = name + "="
        guard text.contains(marker) else { return text }
        var result = ""
        var rest = Substring(text)
        while let range = rest.range(of: marker) {
            let startsWord = range.lowerBound == rest.startIndex || !isNameCharacter(rest[rest.index(before: range.lowerBound)])
            result += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            guard startsWord else { continue }
            let value = rest.prefix { !isBoundary($0) }
            if !value.isEmpty, value != "[redacted]" { result += "[redacted]" } else { result += value }
            rest = rest.dropFirst(value.count)
        }
        return result + rest
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_" || character == "."
    }

    private static func isBoundary(_ character: Character) -> Bool {
        character == "&" || character == ";" || character == "," || character == "\"" || character == "'" || character.isWhitespace
            || character == ")" || character == "]" || character == "}" || character == ">"
    }
}

/// Logging for every subcommand: the level and format asked for, redacted, to standard error.
public func bootstrapLogging(level: Logger.Level, format: LogFormat = .text) {
    LoggingSystem.bootstrap { label in DarkroomLogHandler(label: label, level: level, format: format) }
}
