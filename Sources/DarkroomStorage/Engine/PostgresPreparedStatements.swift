import PostgresNIO
import Synchronization

/// Names for the statements PostgreSQL keeps prepared on each connection, so that a statement run again is bound
/// and executed without being parsed and planned anew: on the feed and on likes, planning cost PostgreSQL more than
/// executing (profiled: two thirds of its CPU in parse/plan).
///
/// PostgresNIO prepares a named statement on a connection the first time it sees the name and reuses it after, but
/// wants the name and text as static members of a type (`PostgresPreparedStatement`). Our statements are values built
/// at run time, so `DynamicPreparedStatement` reads them from a task-local set just around the call; the library reads
/// them synchronously in the calling task.
final class PreparedStatementNames: Sendable {
    /// Distinct statements a process keeps prepared (each connection prepares those it runs). Statements built with
    /// `IN (…)` lists of many lengths would otherwise grow every connection's cache without bound; past the cap, a
    /// statement runs unnamed (parsed each time) as before.
    static let capacity = 512

    private let entries = Mutex<(byKey: [String: String], generation: Int)>(([:], 0))

    /// The name to prepare `sql` under, or nil to run it unnamed. Parameter types are part of the key: PostgreSQL
    /// fixes them when it prepares, and a NULL bound where an integer was bound before is a different statement.
    func name(for sql: SQL) -> String? {
        guard Self.isPreparable(sql.text) else { return nil }
        let key = Self.key(sql)
        return entries.withLock { state in
            if let name = state.byKey[key] { return name }
            guard state.byKey.count < Self.capacity else { return nil }
            state.generation += 1
            let name = "darkroom_\(state.generation)"
            state.byKey[key] = name
            return name
        }
    }

    /// PostgresNIO remembers a failed preparation on its connection and answers every later use of that name with the
    /// same error. After an error that may have come from preparing (anything but a constraint or a conflict, which
    /// only execution raises), the statement gets a fresh name, so the next use prepares it again.
    func forget(_ sql: SQL) {
        let key = Self.key(sql)
        _ = entries.withLock { $0.byKey.removeValue(forKey: key) }
    }

    static func bindingTypes(_ sql: SQL) -> [PostgresDataType] {
        sql.binds.map { value in
            switch value {
            case .null: .null
            case .int: .int8
            case .double: .float8
            case .text: .text
            }
        }
    }

    private static func key(_ sql: SQL) -> String {
        var key = sql.text
        key.append("\u{0}")
        for value in sql.binds {
            switch value {
            case .null: key.append("n")
            case .int: key.append("i")
            case .double: key.append("d")
            case .text: key.append("t")
            }
        }
        return key
    }

    /// Data statements only: schema changes and transaction control gain nothing from a plan kept for later.
    private static func isPreparable(_ text: String) -> Bool {
        let head = text.prefix(7).uppercased()
        return head.hasPrefix("SELECT") || head.hasPrefix("INSERT") || head.hasPrefix("UPDATE")
            || head.hasPrefix("DELETE") || head.hasPrefix("WITH")
    }
}

/// A statement whose name, text and parameter types are given per call through `current` (see
/// `PreparedStatementNames`).
struct DynamicPreparedStatement: PostgresPreparedStatement {
    struct Identity: Sendable {
        var name: String
        var sql: String
        var bindingTypes: [PostgresDataType]
    }

    @TaskLocal static var current = Identity(name: "", sql: "", bindingTypes: [])

    static var name: String { current.name }
    static var sql: String { current.sql }
    static var bindingDataTypes: [PostgresDataType] { current.bindingTypes }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
