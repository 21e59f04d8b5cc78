import DarkroomCore
import DarkroomStorage

/// Failed password attempts per address, on the log-in page and the password grant: after `limit` failures within
/// about `window` seconds (this window's count plus the previous one's, weighted by how much of it is still recent),
/// that address is refused with 429. Failures are counted in the database, so every server process sees them.
struct LoginThrottle: Sendable {
    let limit: Int
    let window: Int64
    let store: RateLimitStore
    let environment: SystemEnvironment

    init(limit: Int = 25, window: Int64 = 300, store: RateLimitStore, environment: SystemEnvironment) {
        self.limit = limit
        self.window = window
        self.store = store
        self.environment = environment
    }

    private func bucket(_ address: String) -> String { "login-failures:\(address)" }

    func isBlocked(_ address: String) async throws -> Bool {
        let now = environment.nowSeconds
        let start = now / window * window
        let totals = try await store.totals(bucket(address), window: start, previousWindow: start - window)
        let stillRecent = 1 - Double(now - start) / Double(window)
        return Double(totals.current) + Double(totals.previous) * stillRecent >= Double(limit)
    }

    func recordFailure(_ address: String) async throws {
        let start = environment.nowSeconds / window * window
        _ = try await store.add([(bucket(address), 1)], window: start)
    }
}
