import NIOCore
import NIOPosix
import Synchronization

/// The embedded engine: one SQLite file in WAL mode, a writer connection and a few readers.
/// Blocking SQLite calls run on a private thread pool, never on the server's event loops.
public final class SQLiteDatabase: Database {
    public let engine = SQLEngine.sqlite
    public let displayName: String
    private let threads: NIOThreadPool
    private let readers: Mutex<[SQLiteConnection]>
    /// Connections for `lookup`s on the calling thread, apart from the pool's so neither can starve the other.
    private let inlineReaders: Mutex<[SQLiteConnection]>
    private let writer: SQLiteConnection
    private let writeLock = AsyncLock()

    /// - Parameters:
    ///   - path: the database file; created if missing.
    ///   - readers: concurrent read connections (and threads).
    public init(path: String, readers readerCount: Int = 4) throws {
        displayName = "SQLite at \(path)"
        writer = try SQLiteConnection(path: path, readOnly: false)
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

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await writeLock.withLock {
            let executor = Executor(connection: writer, threads: threads)
            try await executor.script("BEGIN IMMEDIATE")
            do {
                let result = try await body(executor)
                try await executor.script("COMMIT")
                return result
            } catch {
                // On this thread, not the pool: a cancelled task's hop to the pool would fail, leaving the writer
                // inside the transaction for the next caller.
                try? writer.exec("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs a multi-statement script on the writer outside any transaction (migrations manage their own).
    func script(_ text: String) async throws {
        try await writeLock.withLock { try await Executor(connection: writer, threads: threads).script(text) }
    }

    public func prepareForBulkLoad() async throws {
        try await script("PRAGMA synchronous = OFF; PRAGMA cache_size = -1048576")
    }

    public func close() async {
        try? await threads.shutdownGracefully()
    }

    struct Executor: SQLExecutor {
        let connection: SQLiteConnection
        let threads: NIOThreadPool

        func query(_ sql: SQL) async throws -> [Row] {
            try await threads.runIfActive { [connection] in try connection.run(sql) }
        }
        func execute(_ sql: SQL) async throws {
            _ = try await query(sql)
        }
        func script(_ text: String) async throws {
            try await threads.runIfActive { [connection] in try connection.exec(text) }
        }
    }
}

/// A FIFO lock for async code: one holder at a time, waiters resumed in order.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { continuation in
            let acquired = state.withLock { state in
                if state.locked {
                    state.waiters.append(continuation)
                    return false
                }
                state.locked = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
