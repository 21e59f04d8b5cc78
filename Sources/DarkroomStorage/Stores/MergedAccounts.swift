import DarkroomCore
import Synchronization

/// Whether any account has so many followers that its posts are merged into feeds when read instead of fanned out
/// (`HomeFeed.readTimeMergeThreshold`). Nearly always none does, and feed reads then skip the merge.
///
/// A post by such an account in this process says so at once, before any feed could miss it; one made by another
/// process (several servers on one PostgreSQL) is seen within `lifetime`, as a background fan-out would be.
final class MergedAccounts: Sendable {
    private struct State {
        var exist: Bool?
        var readAt: Int64 = 0
        /// Counts `posted()` calls: a reading begun before one is stale and not kept.
        var generation = 0
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> Int64
    /// Milliseconds a reading is trusted.
    let lifetime: Int64 = 2000

    init(clock: @escaping @Sendable () -> Int64) { self.clock = clock }

    func exist(in database: any Database) async throws -> Bool {
        let now = clock()
        let snapshot = state.withLock { $0 }
        if let exist = snapshot.exist, now - snapshot.readAt < lifetime { return exist }
        let exist = try await !database.lookup(
            "SELECT 1 FROM users WHERE followed_by_count > \(HomeFeed.readTimeMergeThreshold) LIMIT 1").isEmpty
        // A post by such an account while this read ran (a newer generation) outranks what the read found.
        return state.withLock { state in
            if state.generation == snapshot.generation {
                state.exist = exist
                state.readAt = now
            }
            return state.exist ?? exist
        }
    }

    /// Such an account just posted.
    func posted() {
        state.withLock { state in
            state.exist = true
            state.readAt = clock()
            state.generation += 1
        }
    }
}
