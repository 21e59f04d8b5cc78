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
    /// Notices of rows changed by any process, and whether they are current (PostgreSQL), for caches of what other
    /// processes may change; nil when the engine sends none, or when a read may come from a replica that lags them.
    var changeNotices: ChangeWatch? { get }
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
    public var changeNotices: ChangeWatch? { nil }
    public func listen(to channel: String, _ onNotice: @escaping @Sendable () -> Void) -> Bool { false }
}
