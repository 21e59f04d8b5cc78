import CSQLite
import Foundation
import Synchronization

/// SQLite's single writer, with group commit. Hand-written because the engine allows one writer at a time and a commit
/// is a cost of its own (its WAL append, and every reader connection dropping its page cache on its next read):
/// transactions that arrive while the writer is busy wait in a queue, and the next batch runs them together, each in a
/// savepoint of one `BEGIN IMMEDIATE … COMMIT`. A transaction whose body throws is rolled back to its savepoint alone;
/// every caller is answered only once the commit that holds its writes has returned, so an acknowledged write is as
/// durable as before.
///
/// The writer's work runs on a thread of its own (a task executor): statements run inline there, with no hop per
/// statement, and a long statement (a fan-out, a checkpoint) never holds up the threads that serve requests.
final class SQLiteWriter: Sendable {
    private let connection: SQLiteConnection
    private let checkpointer: SQLiteCheckpointer
    private let thread = WriterThread()
    private let state = Mutex(State())
    private let committedBatches = Atomic<Int>(0)
    /// Bounds the first caller's wait behind the others in its batch.
    private static let batchLimit = 64

    private struct State {
        var queue: [Job] = []
        var idle: CheckedContinuation<Void, Never>?
        var stopped = false
    }

    private struct Job: Sendable {
        /// Runs alone, outside any transaction (migrations, settings), rather than in a batch.
        var alone: Bool
        var run: @Sendable (InlineExecutor) async throws -> Void
        var finish: @Sendable (Result<Void, any Error>) -> Void
    }

    init(path: String) throws {
        connection = try SQLiteConnection(path: path, readOnly: false, tracksWAL: true)
        checkpointer = try SQLiteCheckpointer(path: path)
        Task(executorPreference: thread) { [self] in await loop() }
    }

    /// Commits made so far: fewer than the transactions when group commit has joined some.
    var commits: Int { committedBatches.load(ordering: .relaxed) }

    /// Transactions waiting for the writer.
    var queued: Int { state.withLock { $0.queue.count } }

    /// Stops taking work once the queue is empty; the writer's thread then ends.
    func stop() {
        checkpointer.stop()
        let idle = state.withLock { state in
            state.stopped = true
            defer { state.idle = nil }
            return state.idle
        }
        idle?.resume()
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await submit(alone: false, body)
    }

    /// Runs `body` by itself, outside a transaction: for scripts that manage their own (migrations) or change settings.
    func alone<T: Sendable>(_ body: @escaping @Sendable (InlineExecutor) async throws -> T) async throws -> T {
        try await submit(alone: true, body)
    }

    private func submit<T: Sendable>(alone: Bool, _ body: @escaping @Sendable (InlineExecutor) async throws -> T) async throws -> T {
        let result = Mutex<T?>(nil)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let job = Job(
                alone: alone,
                run: { executor in
                    let value = try await body(executor)
                    result.withLock { $0 = value }
                },
                finish: { continuation.resume(with: $0) }
            )
            let (idle, stopped) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
                guard !state.stopped else { return (nil, true) }
                state.queue.append(job)
                defer { state.idle = nil }
                return (state.idle, false)
            }
            if stopped { continuation.resume(throwing: DatabaseError.busy("the database is closed")) }
            idle?.resume()
        }
        return result.withLock { $0! }
    }

    private func loop() async {
        while let batch = await nextBatch() {
            if batch.count == 1, batch[0].alone {
                let job = batch[0]
                do {
                    try await job.run(InlineExecutor(connection: connection))
                    job.finish(.success(()))
                    checkpointIfDue()
                } catch {
                    job.finish(.failure(error))
                }
            } else {
                await commit(batch)
            }
        }
        thread.finish()
    }

    /// The queued transactions, up to the limit, stopping before one that must run alone (which then comes by itself);
    /// nil once stopped and empty.
    private func nextBatch() async -> [Job]? {
        while true {
            let batch = state.withLock { state -> [Job]? in
                guard !state.queue.isEmpty else { return state.stopped ? nil : [] }
                if state.queue[0].alone { return [state.queue.removeFirst()] }
                let count = min(Self.batchLimit, state.queue.prefix { !$0.alone }.count)
                defer { state.queue.removeFirst(count) }
                return Array(state.queue.prefix(count))
            }
            guard let batch else { return nil }
            if !batch.isEmpty { return batch }
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if !state.queue.isEmpty || state.stopped { return true }
                    state.idle = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// One transaction for the batch, a savepoint for each of its jobs.
    private func commit(_ batch: [Job]) async {
        let executor = InlineExecutor(connection: connection)
        var done: [Job] = []
        var pending = batch[...]
        while !pending.isEmpty {
            do {
                try connection.exec("BEGIN IMMEDIATE")
            } catch {
                for job in pending { job.finish(.failure(error)) }
                return
            }
            while let job = pending.first {
                pending = pending.dropFirst()
                do {
                    try connection.exec("SAVEPOINT job")
                    try await job.run(executor)
                    try connection.exec("RELEASE job")
                    done.append(job)
                } catch {
                    job.finish(.failure(error))
                    if connection.inTransaction {
                        try? connection.exec("ROLLBACK TO job; RELEASE job")
                    } else {
                        // SQLite rolled the whole transaction back (a full disk, an I/O error): the earlier jobs' writes
                        // went with it, so they fail too; the rest start a new transaction.
                        for earlier in done { earlier.finish(.failure(error)) }
                        done = []
                        break
                    }
                }
            }
            guard connection.inTransaction else { continue }
            do {
                try connection.exec("COMMIT")
                committedBatches.add(1, ordering: .relaxed)
                for job in done { job.finish(.success(())) }
                checkpointIfDue()
            } catch {
                try? connection.exec("ROLLBACK")
                for job in done { job.finish(.failure(error)) }
            }
            done = []
        }
    }

    /// Past the threshold, the checkpointer copies most of the WAL in the background; once it has nearly caught up, the
    /// writer copies the rest (or all, should the WAL have grown far past the threshold), so its next transaction can
    /// start the WAL over.
    private func checkpointIfDue() {
        let pages = connection.pagesInWAL
        guard pages >= SQLiteCheckpointer.threshold else { return }
        if checkpointer.takeCaughtUp() || pages >= 8 * SQLiteCheckpointer.threshold {
            try? connection.exec("PRAGMA wal_checkpoint(PASSIVE)")
        } else {
            checkpointer.request()
        }
    }

    /// Runs statements on the writer's connection, on the writer's thread, where its jobs run.
    struct InlineExecutor: SQLExecutor {
        let connection: SQLiteConnection

        func query(_ sql: SQL) async throws -> [Row] { try connection.run(sql) }
        func execute(_ sql: SQL) async throws { _ = try connection.run(sql) }
        func script(_ text: String) throws { try connection.exec(text) }
    }
}

/// A thread that runs the jobs of tasks preferring it, one at a time.
private final class WriterThread: TaskExecutor, @unchecked Sendable {
    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var finished = false
    private let condition = NSCondition()

    init() {
        let thread = Thread { [self] in run() }
        thread.name = "darkroom-sqlite-writer"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Called by the last job to run here: the thread ends once it returns.
    func finish() {
        condition.lock()
        finished = true
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
