import NIOCore
import NIOPosix
import Synchronization

/// The embedded engine: one SQLite file in WAL mode, a writer (`SQLiteWriter`, with group commit) and a few readers.
/// Blocking SQLite calls run on a private thread pool or the writer's thread, never on the server's event loops.
public final class SQLiteDatabase: Database {
    public let engine = SQLEngine.sqlite
    public let displayName: String
    let path: String
    private let threads: NIOThreadPool
    private let readers: Mutex<[SQLiteConnection]>
    /// Connections for `lookup`s on the calling thread, apart from the pool's so neither can starve the other.
    private let inlineReaders: Mutex<[SQLiteConnection]>
    private let writer: SQLiteWriter

    /// - Parameters:
    ///   - path: the database file; created if missing.
    ///   - readers: concurrent read connections (and threads).
    public init(path: String, readers readerCount: Int = 4) throws {
        self.path = path
        displayName = "SQLite at \(path)"
        writer = try SQLiteWriter(path: path)
        // One reader per thread: however many jobs run at once, each read finds a free connection.
        readers = Mutex(try (0..<readerCount).map { _ in try SQLiteConnection(path: path, readOnly: true) })
        threads = NIOThreadPool(numberOfThreads: readerCount)
        let inlineCount = max(2, System.coreCount)
        inlineReaders = Mutex(try (0..<inlineCount).map { _ in try SQLiteConnection(path: path, readOnly: true) })
        threads.start()
    }

    public func query(_ sql: SQL) async throws -> [Row] {
        try await threads.runIfActive { [self] in
            guard let connection = readers.withLock({ $0.popLast() }) else { throw DatabaseError.busy("no free reader") }
            defer { readers.withLock { $0.append(connection) } }
            return try connection.run(sql)
        }
    }

    public func lookup(_ sql: SQL) async throws -> [Row] {
        guard let connection = inlineReaders.withLock({ $0.popLast() }) else { return try await query(sql) }
        defer { inlineReaders.withLock { $0.append(connection) } }
        return try connection.run(sql)
    }

    public func execute(_ sql: SQL) async throws {
        try await transaction { try await $0.execute(sql) }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await writer.transaction(body)
    }

    public var load: DatabaseLoad { DatabaseLoad(queuedWrites: writer.queued, commits: writer.commits) }

    /// Runs a multi-statement script on the writer outside any transaction (migrations manage their own).
    func script(_ text: String) async throws {
        try await writer.alone { try $0.script(text) }
    }

    public func prepareForBulkLoad() async throws {
        try await script("PRAGMA synchronous = OFF; PRAGMA cache_size = -1048576")
    }

    public func close() async {
        writer.stop()
        try? await threads.shutdownGracefully()
    }

    deinit {
        writer.stop()
    }
}
