import Foundation
import Testing

@testable import DarkroomStorage

/// PostgreSQL keeps the statements Darkroom runs prepared on each connection (planning left the hot path); these
/// check that it does, that a failed preparation does not stick to a connection, and that the PgBouncer switch turns
/// it off.
@Suite(.enabled(if: Engine.available.contains(.postgres)))
struct PreparedStatementTests {
    /// One connection, so that every statement lands where the previous one ran; a schema of its own.
    private func withOneConnection(
        options: String = "",
        _ body: (PostgresDatabase) async throws -> Void
    ) async throws {
        try await withPostgresSchema(options: "&pool_size=1&lookup_connections=0" + options, body)
    }

    private func preparedTexts(_ database: PostgresDatabase) async throws -> [String] {
        try await database.query("SELECT statement FROM pg_prepared_statements WHERE name LIKE \("darkroom_%")")
            .decode { try $0.string() }
    }

    @Test func aStatementRunTwiceIsPreparedOnceAndAnswersWithEachCallsValues() async throws {
        try await withOneConnection { database in
            try await database.execute("CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT)")
            for id in 1...3 {
                try await database.execute("INSERT INTO notes (id, body) VALUES (\(Int64(id)), \("note \(id)"))")
            }
            for id in 1...3 {
                let rows = try await database.query("SELECT body FROM notes WHERE id = \(Int64(id))")
                #expect(try rows.decode { try $0.string() } == ["note \(id)"])
            }
            let prepared = try await preparedTexts(database)
            #expect(prepared.filter { $0 == "SELECT body FROM notes WHERE id = $1" }.count == 1)
            #expect(prepared.filter { $0.hasPrefix("INSERT INTO notes") }.count == 1)
            // A NULL where an integer was bound is a different statement (PostgreSQL fixed the type at preparation).
            #expect(try await database.query("SELECT body FROM notes WHERE id = \(nil as Int64?)").isEmpty)
            #expect(try await preparedTexts(database).filter { $0 == "SELECT body FROM notes WHERE id = $1" }.count == 2)
        }
    }

    @Test func aStatementThatFailedToPrepareIsPreparedAgainOnceItCanBe() async throws {
        try await withOneConnection { database in
            let read: SQL = "SELECT body FROM later WHERE id = \(Int64(1))"
            await #expect(throws: DatabaseError.self) { try await database.query(read) }
            try await database.execute("CREATE TABLE later (id BIGINT PRIMARY KEY, body TEXT)")
            try await database.execute("INSERT INTO later (id, body) VALUES (\(Int64(1)), \("here"))")
            #expect(try await database.query(read).decode { try $0.string() } == ["here"])
        }
    }

    @Test func aConstraintViolationKeepsTheStatementPrepared() async throws {
        try await withOneConnection { database in
            try await database.execute("CREATE TABLE tags (name TEXT PRIMARY KEY)")
            try await database.execute("INSERT INTO tags (name) VALUES (\("sun"))")
            await #expect(throws: DatabaseError.self) {
                try await database.execute("INSERT INTO tags (name) VALUES (\("sun"))")
            }
            try await database.execute("INSERT INTO tags (name) VALUES (\("moon"))")
            #expect(try await preparedTexts(database).filter { $0.hasPrefix("INSERT INTO tags") }.count == 1)
        }
    }

    @Test func preparedStatementsOffRunsEveryStatementUnnamed() async throws {
        try await withOneConnection(options: "&prepared_statements=off") { database in
            try await database.execute("CREATE TABLE notes (id BIGINT PRIMARY KEY)")
            try await database.execute("INSERT INTO notes (id) VALUES (\(Int64(1)))")
            #expect(try await database.query("SELECT id FROM notes WHERE id = \(Int64(1))").count == 1)
            #expect(try await preparedTexts(database).isEmpty)
        }
    }

    @Test func schemaAndTransactionStatementsAreNeverPrepared() async throws {
        try await withOneConnection { database in
            try await database.transaction { tx in
                try await tx.execute("CREATE TABLE notes (id BIGINT PRIMARY KEY)")
                try await tx.execute("INSERT INTO notes (id) VALUES (\(Int64(1)))")
            }
            let prepared = try await preparedTexts(database)
            #expect(!prepared.contains { $0.hasPrefix("CREATE") || $0 == "BEGIN" || $0 == "COMMIT" })
        }
    }

    /// `?host=/dir`, as libpq reads it: the Unix socket in that directory, for the URL's port. `.ci/run` names the
    /// throw-away server's socket directory in DARKROOM_TEST_POSTGRES_SOCKET_URL.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DARKROOM_TEST_POSTGRES_SOCKET_URL"] != nil))
    func aHostThatIsADirectoryConnectsThroughTheUnixSocket() async throws {
        let url = ProcessInfo.processInfo.environment["DARKROOM_TEST_POSTGRES_SOCKET_URL"]!
        let database = try PostgresDatabase(url: url, maximumConnections: 1)
        let overTCP = try await database.query("SELECT inet_server_addr() IS NOT NULL").decodeFirst { try $0.bool() }
        await database.close()
        #expect(overTCP == false)
        #expect(database.displayName.contains("socket in /"))
    }

    @Test func theURLsHostParameterNamesTheSocketDirectory() throws {
        let url = try #require(PostgresURL("postgres://app:secret@localhost:6543/photos?host=/run/postgresql&sslmode=disable"))
        #expect(url.socketDirectory == "/run/postgresql")
        #expect(url.port == 6543)
        #expect(url.database == "photos")
        #expect(PostgresURL("postgres://app@db.example:5432/photos")?.socketDirectory == nil)
        #expect(PostgresURL("postgres://app@db.example/photos?prepared_statements=off")?.preparedStatements == false)
        #expect(PostgresURL("postgres://app@db.example/photos?prepared_statements=off")?.changeNotices == false)
        #expect(PostgresURL("postgres://app@db.example/photos?change_notices=off").map { $0.preparedStatements && !$0.changeNotices } == true)
        #expect(PostgresURL("postgres://app@db.example/photos")?.changeNotices == true)
        #expect(PostgresURL("postgres://app@db.example/photos?pool_size=8")?.poolSize == 8)
        #expect(PostgresURL("postgres://app@db.example/photos?pool_size=0")?.poolSize == nil)
    }
}
