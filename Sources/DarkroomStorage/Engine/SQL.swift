import DarkroomCore

/// A value bound to, or read from, a statement. The set both engines store the same way.
public enum DBValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
}

/// A statement with bound parameters, written once for both engines.
/// Interpolated values become parameters (`$1`, `$2`, … in the text); `raw:` splices trusted SQL.
///
///     let sql: SQL = "SELECT id FROM users WHERE username_lc = \(name) LIMIT \(count)"
public struct SQL: Sendable, ExpressibleByStringInterpolation, Hashable {
    public private(set) var text: String
    public private(set) var binds: [DBValue]

    public init(stringLiteral value: String) {
        text = value
        binds = []
    }

    public init(stringInterpolation: Interpolation) {
        text = stringInterpolation.text
        binds = stringInterpolation.binds
    }

    mutating func setBinds(_ values: [DBValue]) { binds = values }

    public static func == (lhs: SQL, rhs: SQL) -> Bool { lhs.text == rhs.text && lhs.binds == rhs.binds }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    public struct Interpolation: StringInterpolationProtocol {
        var text = ""
        var binds: [DBValue] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) { text += literal }

        public mutating func appendInterpolation(_ value: DBValue) {
            binds.append(value)
            text += "$\(binds.count)"
        }
        public mutating func appendInterpolation(_ value: some DatabaseValueConvertible) {
            appendInterpolation(value.databaseValue)
        }
        public mutating func appendInterpolation(_ value: (some DatabaseValueConvertible)?) {
            appendInterpolation(value?.databaseValue ?? .null)
        }
        /// Splices SQL text (a fragment made by this layer, never user input).
        public mutating func appendInterpolation(raw: String) { text += raw }
        /// Splices another statement, renumbering its parameters.
        public mutating func appendInterpolation(_ fragment: SQL) {
            text += fragment.renumbered(from: binds.count)
            binds += fragment.binds
        }
        /// `$a, $b, …` for an `IN (…)` list.
        public mutating func appendInterpolation(list values: [some DatabaseValueConvertible]) {
            for (index, value) in values.enumerated() {
                if index > 0 { text += ", " }
                appendInterpolation(value.databaseValue)
            }
        }
    }

    /// The text with each `$n` shifted by `offset`.
    func renumbered(from offset: Int) -> String {
        guard offset > 0, !binds.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + binds.count * 2)
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "$") else {
                out.append(bytes[index])
                index += 1
                continue
            }
            var end = index + 1
            var number = 0
            while end < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[end]) {
                number = number * 10 + Int(bytes[end] - UInt8(ascii: "0"))
                end += 1
            }
            if end > index + 1 {
                out += Array("$\(number + offset)".utf8)
            } else {
                out.append(bytes[index])
            }
            index = max(end, index + 1)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

public protocol DatabaseValueConvertible: Sendable {
    var databaseValue: DBValue { get }
}

extension Int64: DatabaseValueConvertible { public var databaseValue: DBValue { .int(self) } }
extension Int: DatabaseValueConvertible { public var databaseValue: DBValue { .int(Int64(self)) } }
extension Double: DatabaseValueConvertible { public var databaseValue: DBValue { .double(self) } }
extension String: DatabaseValueConvertible { public var databaseValue: DBValue { .text(self) } }
extension Substring: DatabaseValueConvertible { public var databaseValue: DBValue { .text(String(self)) } }
extension Bool: DatabaseValueConvertible { public var databaseValue: DBValue { .int(self ? 1 : 0) } }
extension DBValue: DatabaseValueConvertible { public var databaseValue: DBValue { self } }

extension UserID: DatabaseValueConvertible { public var databaseValue: DBValue { .int(rawValue) } }
extension MediaID: DatabaseValueConvertible { public var databaseValue: DBValue { .int(rawValue) } }
extension CommentID: DatabaseValueConvertible { public var databaseValue: DBValue { .int(rawValue) } }
extension LikeID: DatabaseValueConvertible { public var databaseValue: DBValue { .int(rawValue) } }
extension LocationID: DatabaseValueConvertible { public var databaseValue: DBValue { .int(rawValue) } }
extension ClientRecordID: DatabaseValueConvertible { public var databaseValue: DBValue { .int(rawValue) } }
extension TokenID: DatabaseValueConvertible { public var databaseValue: DBValue { .int(rawValue) } }
