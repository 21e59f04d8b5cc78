/// Runs statements. Both engines implement it; a transaction hands its body one of these bound to its connection.
public protocol SQLExecutor: Sendable {
    func query(_ sql: SQL) async throws -> [Row]
    /// A read that touches a handful of rows by key (a token by its hash, a page of a feed). SQLite answers it on the
    /// calling thread, since handing a few microseconds of work to another thread costs more than the work.
    func lookup(_ sql: SQL) async throws -> [Row]
    /// Runs a statement for its effect. (To learn which rows changed, `query` it with `RETURNING`.)
    func execute(_ sql: SQL) async throws
}

extension SQLExecutor {
    public func lookup(_ sql: SQL) async throws -> [Row] { try await query(sql) }
}

public enum SQLEngine: String, Sendable {
    case sqlite, postgres
}

/// The one data layer: SQLite (embedded default) or PostgreSQL behind the same statements.
/// Reads may run on any connection; writes that must be atomic go through `transaction`.
public protocol Database: SQLExecutor {
    var engine: SQLEngine { get }
    /// Where the data lives, for the start-up line (no password).
    var displayName: String { get }
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T
    func close() async
    /// Trades durability for speed on this connection set while a bulk load runs (the seed): a crash mid-load
    /// may lose the load, which is simply run again.
    func prepareForBulkLoad() async throws
    /// What the engine is doing now, for monitoring.
    var load: DatabaseLoad { get }
    /// Media versions kept in memory while the database's change notices are current (PostgreSQL); nil when the
    /// engine has none, and versions are read with the media.
    var knownMediaVersions: KnownMediaVersions? { get }
    /// Calls `onNotice` for each notice any process sends on `channel`, and whenever notices may have been missed (a
    /// connection lost), from a connection that listens from the first call on. False when the engine has no notices
    /// (SQLite, where one process writes) or they are turned off (a pooler in transaction mode).
    func listen(to channel: String, _ onNotice: @escaping @Sendable () -> Void) -> Bool
}

/// An engine's own figures; nil where the engine has no such thing.
public struct DatabaseLoad: Sendable, Equatable {
    /// Write transactions waiting for the one writer (SQLite).
    public var queuedWrites: Int?
    /// Commits so far, a group of transactions committed together counting once (SQLite).
    public var commits: Int?

    public init(queuedWrites: Int? = nil, commits: Int? = nil) {
        self.queuedWrites = queuedWrites
        self.commits = commits
    }
}

extension Database {
    public var load: DatabaseLoad { DatabaseLoad() }
    public var knownMediaVersions: KnownMediaVersions? { nil }
    public func listen(to channel: String, _ onNotice: @escaping @Sendable () -> Void) -> Bool { false }
}

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
