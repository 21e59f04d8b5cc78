/// Inserts many rows with multi-row statements, in transactions of many batches: the fast path on both engines.
package struct BulkInserter {
    let database: any Database
    let table: String
    let columns: [String]
    private let rowsPerStatement: Int
    private let statementsPerTransaction = 50
    private var pending: [DBValue] = []
    private var statements: [SQL] = []

    /// - Parameter rowsPerStatement: by default as many as stay well under SQLite's 32,766 and PostgreSQL's 65,535
    ///   parameters per statement, up to 1,000.
    package init(database: any Database, table: String, columns: [String], rowsPerStatement: Int? = nil) {
        self.database = database
        self.table = table
        self.columns = columns
        self.rowsPerStatement = rowsPerStatement ?? max(1, min(1000, 30_000 / columns.count))
    }

    /// Adds a row. `beforeCommit` runs whenever this commits: for rows that name others being inserted (a like, its
    /// media), it commits those first, so no foreign key finds its row missing.
    package mutating func add(_ values: [DBValue], beforeCommit: () async throws -> Void = {}) async throws {
        precondition(values.count == columns.count)
        pending += values
        if pending.count == rowsPerStatement * columns.count {
            statements.append(statement(rows: rowsPerStatement))
            pending.removeAll(keepingCapacity: true)
            if statements.count == statementsPerTransaction {
                try await beforeCommit()
                try await commit()
            }
        }
    }

    package mutating func finish() async throws {
        if !pending.isEmpty {
            statements.append(statement(rows: pending.count / columns.count))
            pending.removeAll()
        }
        try await commit()
    }

    private mutating func commit() async throws {
        guard !statements.isEmpty else { return }
        let batch = statements
        statements.removeAll(keepingCapacity: true)
        try await database.transaction { tx in
            for statement in batch { try await tx.execute(statement) }
        }
    }

    private func statement(rows: Int) -> SQL {
        var text = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        var parameter = 0
        for row in 0..<rows {
            text += row == 0 ? "(" : ", ("
            for column in 0..<columns.count {
                parameter += 1
                text += column == 0 ? "$\(parameter)" : ", $\(parameter)"
            }
            text += ")"
        }
        return SQL(text: text, binds: pending)
    }
}

extension SQL {
    /// A statement assembled by this layer itself (bulk inserts), with parameters already numbered.
    init(text: String, binds: [DBValue]) {
        self.init(stringLiteral: text)
        self.setBinds(binds)
    }
}

/// Where a long load (the seed, a gazetteer import) reports how far it is.
public protocol BulkProgress: Sendable {
    func update(phase: String, done: Int, total: Int)
    func finish()
}
