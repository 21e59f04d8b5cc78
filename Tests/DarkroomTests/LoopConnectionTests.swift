import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import DarkroomStorage

/// On PostgreSQL a lookup made on one of the server's event loops runs on a connection of that loop, outside the pool
/// (`PostgresLoopConnections`). These check that it answers as the pool does, in the database's own schema, that a
/// connection the server ended is replaced, and that one stuck on a statement is closed rather than waited on forever.
/// (The tests' own tasks do not run on the event loops, so they name the loop a server's request would be on.)
@Suite(.enabled(if: Engine.available.contains(.postgres)))
struct LoopConnectionTests {
    private let loop = MultiThreadedEventLoopGroup.singleton.next()

    private func withDatabase(options: String, _ body: (PostgresDatabase) async throws -> Void) async throws {
        try await withPostgresSchema(options: options) { database in
            try await database.execute("CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT)")
            try await database.execute("INSERT INTO notes (id, body) VALUES (1, 'one'), (2, 'two')")
            try await body(database)
        }
    }

    /// `statement` fails as unavailable: a 503 for the request, never a 500.
    private func expectUnavailable(_ statement: Task<[Row], any Error>) async {
        do {
            _ = try await statement.value
            Issue.record("the statement answered")
        } catch {
            #expect((error as? DatabaseError)?.isTransient == true, "\(error)")
        }
    }

    /// The server process answering lookups on `loop`, and whether it is one of the pool's.
    private func backend(_ database: PostgresDatabase, onLoop: Bool) async throws -> Int64 {
        let sql: SQL = "SELECT pg_backend_pid()"
        let rows = onLoop ? try await database.lookup(sql, on: loop) : try await database.query(sql)
        return try #require(try rows.scalarInt())
    }

    @Test func aLookupOnALoopAnswersAsThePoolDoesOnAConnectionOfItsOwn() async throws {
        try await withDatabase(options: "&lookup_connections=1") { database in
            for id in [Int64(1), 2, 3] {
                let sql: SQL = "SELECT body FROM notes WHERE id = \(id)"
                let onLoop = try await database.lookup(sql, on: loop).decode { try $0.string() }
                let pooled = try await database.query(sql).decode { try $0.string() }
                #expect(onLoop == pooled)
            }
            // One connection for the loop, used again and again; not one the pool hands out.
            let loopBackend = try await backend(database, onLoop: true)
            #expect(try await backend(database, onLoop: true) == loopBackend)
            #expect(try await backend(database, onLoop: false) != loopBackend)
            // Off the event loops (as these tests' tasks are), a lookup uses the pool.
            #expect(try await database.lookup("SELECT pg_backend_pid()").scalarInt() != loopBackend)
        }
    }

    @Test func withNoLookupConnectionsALookupUsesThePool() async throws {
        try await withDatabase(options: "&lookup_connections=0&pool_size=1") { database in
            let onLoop = try await backend(database, onLoop: true)
            #expect(try await backend(database, onLoop: false) == onLoop)
        }
    }

    @Test func aStatementTheServerEndsIsUnavailableAndTheConnectionIsReplaced() async throws {
        try await withDatabase(options: "&lookup_connections=1") { database in
            let ended = try await backend(database, onLoop: true)
            let loop = loop
            let running = Task { try await database.lookup("SELECT pg_sleep(5)", on: loop) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await database.query("SELECT pg_terminate_backend(\(ended)::int)").scalarInt() == 1)
            await expectUnavailable(running)
            // Once the process has seen it closed, the next lookup connects anew. (A request runs its lookups on the
            // connection's own loop, where seeing it closed and writing to it cannot interleave; these tests' tasks
            // run elsewhere, so they wait to see it.)
            for _ in 0..<100 where database.openLookupConnections(of: loop) > 0 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(database.openLookupConnections(of: loop) == 0)
            #expect(try await backend(database, onLoop: true) != ended)
            #expect(database.openLookupConnections(of: loop) == 1)
            #expect(try await database.lookup("SELECT body FROM notes WHERE id = \(Int64(2))", on: loop).decode { try $0.string() } == ["two"])
        }
    }

    @Test func aConnectionStuckOnAStatementIsClosedAndTheNextLookupConnectsAnew() async throws {
        try await withDatabase(options: "&lookup_connections=1") { database in
            let stuck = try await backend(database, onLoop: true)
            let loop = loop
            // The statement would run five minutes; the bound below is far from both that and a loaded run's stalls.
            let waiting = Task { try await database.lookup("SELECT pg_sleep(300)", on: loop) }
            try await Task.sleep(for: .milliseconds(1500))
            database.closeStalledLookups(after: .seconds(1))
            let started = ContinuousClock.now
            await expectUnavailable(waiting)
            #expect(ContinuousClock.now - started < .seconds(60))
            #expect(try await backend(database, onLoop: true) != stuck)
            _ = try await database.query("SELECT pg_terminate_backend(\(stuck)::int)")
        }
    }
}
