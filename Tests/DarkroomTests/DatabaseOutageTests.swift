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
        let started = ContinuousClock.now
        await #expect(throws: DatabaseError.self) { _ = try await database.query("SELECT 1") }
        do {
            _ = try await database.transaction { try await $0.query("SELECT 1") }
            Issue.record("a transaction ran without a server")
        } catch let error as DatabaseError {
            #expect(error.isTransient, "\(error)")
        }
        // Bounded: two waits of about `leaseTimeout` each, ended by the watchdog before PostgresNIO's own breaker would
        // (a minute) even on a loaded machine (CI with every suite in parallel on two cores took 46 s).
        #expect(ContinuousClock.now - started < .seconds(58))
        await database.close()
    }

    @Test func anUnavailableDatabaseIsAnsweredWith503AndRetryAfter() {
        let response = APIErrorMiddleware.response(for: DatabaseError.unavailable("test"), path: "/v1/users/self", logger: Logger(label: "test"))
        #expect(response.status.code == 503 && response.headers[.retryAfter] == "2")
    }
}
