import DarkroomCore
import Foundation
import Logging
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// When PostgreSQL cannot be reached (down, restarting), a statement gives up after `PostgresDatabase.leaseTimeout`
/// with `DatabaseError.unavailable`, which callers answer as 503 with `Retry-After`: never a hang, never a 500.
@Suite struct DatabaseOutageTests {
    @Test func aStatementWithNoServerToReachFailsAsUnavailableInBoundedTime() async throws {
        // Nothing listens on port 1 of loopback: every connection attempt is refused, as during a restart.
        let database = try PostgresDatabase(url: "postgres://postgres@127.0.0.1:1/darkroom")
        // Each statement gives up after about `leaseTimeout` (5 s alone): the watchdog replaces the pool, which fails
        // its waiter, well before PostgresNIO's own breaker would (a minute). That the watchdog ended each wait is told by
        // its count, not by the clock: with every suite in parallel on two cores, the watchdog's task and the statement's
        // wait behind other suites' work, and the pair was seen to take 58 s. (A waiter slow to resume may see the pool
        // replaced more than once.)
        var started = ContinuousClock.now
        await #expect(throws: DatabaseError.self) { _ = try await database.query("SELECT 1") }
        let replacedForTheFirst = database.poolReplacements.load(ordering: .relaxed)
        #expect(replacedForTheFirst >= 1)
        #expect(ContinuousClock.now - started < .seconds(120), "never a hang")
        started = ContinuousClock.now
        do {
            _ = try await database.transaction { try await $0.query("SELECT 1") }
            Issue.record("a transaction ran without a server")
        } catch let error as DatabaseError {
            #expect(error.isTransient, "\(error)")
        }
        #expect(database.poolReplacements.load(ordering: .relaxed) > replacedForTheFirst)
        #expect(ContinuousClock.now - started < .seconds(120), "never a hang")
        await database.close()
    }

    @Test func anUnavailableDatabaseIsAnsweredWith503AndRetryAfter() {
        let response = APIErrorMiddleware.response(for: DatabaseError.unavailable("test"), path: "/v1/users/self", logger: Logger(label: "test"))
        #expect(response.status.code == 503 && response.headers[.retryAfter] == "2")
    }
}
