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
        /// A reading is under way: the others answer what was last read rather than all reading at once (on
        /// PostgreSQL, 32 concurrent feed requests each ran this read whenever the answer expired).
        var reading = false
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> Int64
    /// Milliseconds a reading is trusted.
    let lifetime: Int64 = 2000

    init(clock: @escaping @Sendable () -> Int64) { self.clock = clock }

    func exist(in database: any Database) async throws -> Bool {
        let now = clock()
        let (snapshot, reads) = state.withLock { state in
            if state.exist != nil, now - state.readAt < lifetime || state.reading { return (state, false) }
            state.reading = true
            return (state, true)
        }
        if !reads, let exist = snapshot.exist { return exist }
        defer { if reads { state.withLock { $0.reading = false } } }
        // The threshold is spelled out, not bound: PostgreSQL plans a kept statement once for any value, and for an
        // unknown bound it scanned the whole table (13 ms on 20,000 users) instead of the index.
        let exist = try await !database.lookup(
            "SELECT 1 FROM users WHERE followed_by_count > \(raw: String(HomeFeed.readTimeMergeThreshold)) LIMIT 1"
        ).isEmpty
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
