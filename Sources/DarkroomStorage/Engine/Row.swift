import DarkroomCore

/// One result row, read as a cursor: each read takes the next column, in the order the statement selects them. So a
/// decoder is written once next to its column list (`Columns`) and names no index; `decode` checks that it read
/// every column, and a value of the wrong type throws instead of turning into a zero, so a column list and its
/// decoder cannot drift apart without a test failing.
public struct Row: Sendable {
    /// The row's values start at `start`: rows of one result may share a single array.
    private let values: [DBValue]
    private let start: Int
    private let width: Int
    /// The next column to read.
    private var column = 0

    public init(values: [DBValue]) { self.init(values: values, start: 0, width: values.count) }

    init(values: [DBValue], start: Int, width: Int) {
        self.values = values
        self.start = start
        self.width = width
    }

    private mutating func next(_ expected: String) throws -> DBValue {
        guard column < width else { throw DatabaseError.columnMismatch("read past the \(width) selected column(s) for \(expected)") }
        defer { column += 1 }
        return values[start + column]
    }

    private func mismatch(_ expected: String, _ found: DBValue) -> DatabaseError {
        .columnMismatch("column \(column - 1) is \(found.kind), read as \(expected)")
    }

    public mutating func optionalInt() throws -> Int64? {
        switch try next("an integer") {
        case .int(let value): return value
        // PostgreSQL answers sums as numeric; a whole number read as an integer is still exact.
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e15: return Int64(value)
        case .null: return nil
        case let other: throw mismatch("an integer", other)
        }
    }

    public mutating func int() throws -> Int64 {
        guard let value = try optionalInt() else { throw mismatch("an integer", .null) }
        return value
    }

    public mutating func optionalDouble() throws -> Double? {
        switch try next("a number") {
        case .double(let value): return value
        case .int(let value): return Double(value)
        case .null: return nil
        case let other: throw mismatch("a number", other)
        }
    }

    public mutating func double() throws -> Double {
        guard let value = try optionalDouble() else { throw mismatch("a number", .null) }
        return value
    }

    public mutating func optionalString() throws -> String? {
        switch try next("text") {
        case .text(let text): return text
        case .null: return nil
        case let other: throw mismatch("text", other)
        }
    }

    public mutating func string() throws -> String {
        guard let value = try optionalString() else { throw mismatch("text", .null) }
        return value
    }

    /// A boolean: SQLite stores 0 or 1, and PostgreSQL's booleans arrive as the same.
    public mutating func bool() throws -> Bool {
        let value = try int()
        guard value == 0 || value == 1 else { throw DatabaseError.columnMismatch("column \(column - 1) is \(value), read as a boolean") }
        return value == 1
    }

    public mutating func id<ID: Identifier>(_ type: ID.Type = ID.self) throws -> ID { ID(try int()) }
    public mutating func optionalID<ID: Identifier>(_ type: ID.Type = ID.self) throws -> ID? { try optionalInt().map(ID.init) }

    /// Reads the row with `body`, which must read every selected column.
    public func decode<T>(_ body: (inout Row) throws -> T) throws -> T {
        var cursor = self
        cursor.column = 0
        let value = try body(&cursor)
        guard cursor.column == width else {
            throw DatabaseError.columnMismatch("the decoder read \(cursor.column) of \(width) selected columns")
        }
        return value
    }
}

extension Array where Element == Row {
    /// Every row read with `body` (see `Row.decode`).
    public func decode<T>(_ body: (inout Row) throws -> T) throws -> [T] {
        var out: [T] = []
        out.reserveCapacity(count)
        for row in self { out.append(try row.decode(body)) }
        return out
    }

    /// The first row read with `body`, or nil when there is none.
    public func decodeFirst<T>(_ body: (inout Row) throws -> T) throws -> T? {
        try first.map { try $0.decode(body) }
    }

    /// The one integer a statement like `SELECT count(*)` or `SELECT max(id)` answers; nil for no row or NULL.
    public func scalarInt() throws -> Int64? {
        try decodeFirst { try $0.optionalInt() } ?? nil
    }
}

extension DBValue {
    var kind: String {
        switch self {
        case .int: "an integer"
        case .double: "a number"
        case .text: "text"
        case .null: "NULL"
        }
    }
}
