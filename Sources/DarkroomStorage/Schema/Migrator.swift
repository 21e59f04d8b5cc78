import Logging

/// Brings a database up to this build's schema, and refuses one written by a newer build.
public struct Migrator: Sendable {
    let database: any Database
    let report: @Sendable (String) -> Void

    /// - Parameter report: where what a migration did to the data is told (rows it had to remove, say); the log by
    ///   default.
    public init(database: any Database, report: (@Sendable (String) -> Void)? = nil) {
        self.database = database
        self.report = report ?? { Logger(label: "darkroom.migrations").warning("\($0)") }
    }

    public static var latestVersion: Int { Migrations.latestVersion }

    /// The version the database is at (0 for an empty one).
    public func currentVersion() async throws -> Int {
        try await database.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
        )
        return try await appliedVersion()
    }

    /// The version the database is at, read without creating anything (for readiness checks); throws when the
    /// database has never been migrated.
    public func appliedVersion() async throws -> Int {
        Int(try await database.query("SELECT max(version) FROM schema_migrations").scalarInt() ?? 0)
    }

    /// Applies every pending migration (up to `version`, for tests of a migration's own work), each in its own
    /// transaction. Answers the versions applied.
    @discardableResult
    public func migrate(nowSeconds: Int64, upTo version: Int? = nil) async throws -> [Int] {
        let version = version ?? Migrations.latestVersion
        let current = try await currentVersion()
        guard current <= Migrations.latestVersion else {
            throw DatabaseError.newerSchema(found: current, supported: Migrations.latestVersion)
        }
        var applied: [Int] = []
        for migration in Migrations.all where migration.version > current && migration.version <= version {
            let statements = (migration.statements + (migration.engineSpecific[database.engine] ?? [])).map { Self.render($0, for: database.engine) }
            try await database.transaction { tx in
                for statement in statements { try await tx.execute(SQL(stringLiteral: statement)) }
                try await migration.afterwards?(MigrationStep(tx: tx, engine: database.engine, now: nowSeconds, report: report))
                try await tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(migration.version), \(migration.name), \(nowSeconds))"
                )
            }
            applied.append(migration.version)
        }
        return applied
    }

    static func render(_ statement: String, for engine: SQLEngine) -> String {
        switch engine {
        case .sqlite:
            statement
                .replacingOccurrences("{ID}", "INTEGER PRIMARY KEY")
                .replacingOccurrences("{NOROWID}", " WITHOUT ROWID")
                .replacingOccurrences("{BYTES}", "TEXT")
        case .postgres:
            statement
                .replacingOccurrences("{ID}", "BIGINT PRIMARY KEY")
                .replacingOccurrences("{NOROWID}", "")
                .replacingOccurrences("{BYTES}", "TEXT COLLATE \"C\"")
        }
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
