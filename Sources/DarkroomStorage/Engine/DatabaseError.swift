public enum DatabaseError: Error, CustomStringConvertible {
    case sqlite(code: Int32, message: String, sql: String)
    case postgres(message: String, sql: String)
    case uniqueViolation(String)
    case busy(String)
    /// No connection to the database server within `PostgresDatabase.leaseTimeout` (it is down or restarting).
    case unavailable(String)
    case newerSchema(found: Int, supported: Int)
    case badURL(String)
    /// A row read with the wrong type, or a decoder that does not match its column list: a bug, never data.
    case columnMismatch(String)

    /// A failure that says nothing about the request: the same request may well succeed in a moment (503, `Retry-After`).
    public var isTransient: Bool {
        switch self {
        case .busy, .unavailable: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let code, let message, let sql): "SQLite error \(code): \(message) in \(sql.prefix(200))"
        case .postgres(let message, let sql): "PostgreSQL error: \(message) in \(sql.prefix(200))"
        case .uniqueViolation(let message): "unique constraint violated: \(message)"
        case .busy(let message): "database busy: \(message)"
        case .unavailable(let message): "database unavailable: \(message)"
        case .newerSchema(let found, let supported):
            "the database is at schema version \(found), written by a newer Darkroom; this build supports up to \(supported). Upgrade Darkroom."
        case .badURL(let url): "cannot use database URL \(url)"
        case .columnMismatch(let problem): "row decoding: \(problem)"
        }
    }
}
