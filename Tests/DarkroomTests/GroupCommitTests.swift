import Foundation
import Synchronization
import Testing

@testable import DarkroomStorage

/// SQLite's writer joins transactions that arrive while it is busy into one commit (`SQLiteWriter`); each must still
/// succeed or fail alone, be answered only once committed, and the WAL must not grow for as long as writes keep coming.
@Suite struct GroupCommitTests {
    struct Refused: Error, Equatable {}

    final class Flag: Sendable {
        private let value: Atomic<Bool>
        init(_ initial: Bool = true) { value = Atomic(initial) }
        var isSet: Bool { value.load(ordering: .relaxed) }
        func set() { value.store(true, ordering: .relaxed) }
        func clear() { value.store(false, ordering: .relaxed) }
    }

    private static func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    private func withDatabase(_ body: (SQLiteDatabase) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-group-commit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try SQLiteDatabase(path: directory.appendingPathComponent("test.sqlite").path)
        try await database.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        do {
            try await body(database)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    @Test func transactionsQueuedBehindABusyWriterCommitTogetherAndFailAlone() async throws {
        try await withDatabase { database in
            let commitsBefore = database.load.commits!
            let outcomes = try await withThrowingTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
                // The first holds the writer until all the others have queued behind it.
                let firstIsWaiting = Flag(false)
                group.addTask {
                    (
                        0,
                        await Self.outcome {
                            try await database.transaction { tx in
                                try await tx.execute("INSERT INTO scratch (id, body) VALUES (0, 'first')")
                                firstIsWaiting.set()
                                let deadline = ContinuousClock.now + .seconds(30)
                                while database.load.queuedWrites! < 60, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
                                return 0
                            }
                        }
                    )
                }
                while !firstIsWaiting.isSet { try await Task.sleep(for: .milliseconds(1)) }
                for index in 1...60 {
                    group.addTask {
                        (
                            index,
                            await Self.outcome {
                                try await database.transaction { tx in
                                    try await tx.execute("INSERT INTO scratch (id, body) VALUES (\(index), 'row')")
                                    if index % 10 == 3 { throw Refused() }
                                    // A statement that fails in the engine: the primary key the first transaction took.
                                    if index % 10 == 7 { try await tx.execute("INSERT INTO scratch (id, body) VALUES (0, 'again')") }
                                    return index
                                }
                            }
                        )
                    }
                }
                return try await group.reduce(into: [Int: Result<Int, any Error>]()) { $0[$1.0] = $1.1 }
            }
            for (index, outcome) in outcomes {
                switch index % 10 {
                case 3: #expect(throws: Refused.self) { try outcome.get() }
                case 7: #expect(throws: DatabaseError.self) { try outcome.get() }
                default: #expect(try outcome.get() == index)
                }
            }
            let stored = try await database.query("SELECT id FROM scratch ORDER BY id").decode { try $0.int() }
            let refused: Set<Int64> = [3, 7]
            let expected: [Int64] = (Int64(0)...60).filter { (index: Int64) -> Bool in index == 0 || !refused.contains(index % 10) }
            #expect(stored == expected)
            // 61 transactions: the first alone, the 60 queued behind it in one batch.
            #expect(database.load.commits! - commitsBefore == 2)
        }
    }

    @Test func aWriteIsVisibleToEveryReaderOnceItIsAnswered() async throws {
        try await withDatabase { database in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        try await database.transaction { tx in try await tx.execute("INSERT INTO scratch (id, body) VALUES (\(index), 'row')") }
                        #expect(try await database.lookup("SELECT count(*) FROM scratch WHERE id = \(index)").scalarInt() == 1)
                        #expect(try await database.query("SELECT count(*) FROM scratch WHERE id = \(index)").scalarInt() == 1)
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test func theWALStaysBoundedUnderContinuousWritesAndReads() async throws {
        try await withDatabase { database in
            let page = String(repeating: "x", count: 4000)
            let reading = Flag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Readers keep short read transactions coming throughout, as a serving server does.
                for reader in 0..<4 {
                    group.addTask {
                        var key = reader
                        while reading.isSet {
                            key = (key &* 7919 &+ 1) % 12_000
                            _ = try await database.lookup("SELECT length(body) FROM scratch WHERE id = \(key)")
                            // A lookup answers on the calling thread without suspending: let the writers' tasks run.
                            await Task.yield()
                        }
                    }
                }
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for worker in 0..<32 {
                        writers.addTask {
                            for index in stride(from: worker, to: 12_000, by: 32) {
                                try await database.transaction { tx in
                                    try await tx.execute("INSERT INTO scratch (id, body) VALUES (\(index), \(page))")
                                }
                            }
                        }
                    }
                    try await writers.waitForAll()
                }
                reading.clear()
                try await group.waitForAll()
            }
            #expect(try await database.query("SELECT count(*) FROM scratch").scalarInt() == 12_000)
            // 12,000 rows of a page each is some 48 MB written; checkpoints keep the log to a few thousand pages.
            let wal = try FileManager.default.attributesOfItem(atPath: database.path + "-wal")[.size] as? Int ?? 0
            #expect(wal < 24 * 1024 * 1024, "WAL is \(wal) bytes")
        }
    }
}
