import Metrics

/// A database whose every statement and transaction is timed and counted, by engine, for `/metrics`: statement and
/// transaction durations, how many are running at once (how much of the connection pool is in use), and errors by
/// kind. Wraps the engine once, in `Storage.open`, so no store has to remember to measure.
final class MeasuredDatabase: Database {
    let base: any Database
    private let statements: Timer
    private let transactions: Timer
    private let inUse: Meter
    private let errors: [String: Counter]

    init(_ base: any Database) {
        self.base = base
        let engine = [("engine", base.engine.rawValue)]
        statements = Timer(label: "darkroom_db_statement_duration_seconds", dimensions: engine, preferredDisplayUnit: .seconds)
        transactions = Timer(label: "darkroom_db_transaction_duration_seconds", dimensions: engine, preferredDisplayUnit: .seconds)
        inUse = Meter(label: "darkroom_db_operations_in_progress", dimensions: engine)
        errors = Dictionary(
            uniqueKeysWithValues: ["busy", "constraint", "other"].map { kind in
                (kind, Counter(label: "darkroom_db_errors_total", dimensions: engine + [("kind", kind)]))
            }
        )
    }

    var engine: SQLEngine { base.engine }
    var displayName: String { base.displayName }
    var load: DatabaseLoad { base.load }
    var changeNotices: ChangeWatch? { base.changeNotices }
    func listen(to channel: String, _ onNotice: @escaping @Sendable () -> Void) -> Bool { base.listen(to: channel, onNotice) }

    func query(_ sql: SQL) async throws -> [Row] {
        try await measure(statements) { try await base.query(sql) }
    }

    func lookup(_ sql: SQL) async throws -> [Row] {
        try await measure(statements) { try await base.lookup(sql) }
    }

    func execute(_ sql: SQL) async throws {
        try await measure(statements) { try await base.execute(sql) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        let statements = statements
        return try await measure(transactions) {
            try await base.transaction { executor in try await body(MeasuredExecutor(base: executor, statements: statements)) }
        }
    }

    func prepareForBulkLoad() async throws { try await base.prepareForBulkLoad() }
    func close() async { await base.close() }

    private func measure<T>(_ timer: Timer, _ work: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        inUse.increment()
        defer {
            inUse.decrement()
            timer.record(duration: ContinuousClock.now - start)
        }
        do {
            return try await work()
        } catch let error as DatabaseError {
            switch error {
            case .busy: errors["busy"]?.increment()
            case .uniqueViolation: errors["constraint"]?.increment()
            default: errors["other"]?.increment()
            }
            throw error
        }
    }
}

/// A transaction's statements, timed like the others (the transaction itself is timed as a whole).
private struct MeasuredExecutor: SQLExecutor {
    let base: any SQLExecutor
    let statements: Timer

    func query(_ sql: SQL) async throws -> [Row] { try await timed { try await base.query(sql) } }
    func lookup(_ sql: SQL) async throws -> [Row] { try await timed { try await base.lookup(sql) } }
    func execute(_ sql: SQL) async throws { try await timed { try await base.execute(sql) } }

    private func timed<T>(_ work: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer { statements.record(duration: ContinuousClock.now - start) }
        return try await work()
    }
}
