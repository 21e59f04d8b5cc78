import DarkroomCore
import Synchronization

/// Whether any account has so many followers that its posts are merged into feeds when read instead of fanned out
/// (`UserStore.anyAccountPastMergeThreshold`). Nearly always none does, and feed reads then skip the merge.
///
/// **Valid for** `lifetime`, and until such an account posts through this process (`StoreChanges`), which is said
/// before the post commits, so no feed can miss it; a post made through another process (several servers on one
/// PostgreSQL) is seen within `lifetime`, as a background fan-out would be.
final class MergedAccounts: Sendable {
    private struct State {
        var exist: Bool?
        var readAt: Int64 = 0
        /// Counts posts by such accounts: a reading begun before one is stale and not kept.
        var generation = 0
        /// A reading is under way: the others answer what was last read rather than all reading at once (on
        /// PostgreSQL, 32 concurrent feed requests each ran this read whenever the answer expired).
        var reading = false
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> Int64
    /// Milliseconds a reading is trusted.
    let lifetime: Int64 = 2000

    private let users: UserStore

    init(users: UserStore, changes: StoreChanges, clock: @escaping @Sendable () -> Int64) {
        (self.users, self.clock) = (users, clock)
        changes.listen { [weak self] change in
            if case .accountPastMergeThresholdPosted = change { self?.posted() }
        }
    }

    private func posted() {
        state.withLock { state in
            state.exist = true
            state.readAt = clock()
            state.generation += 1
        }
    }

    func exist() async throws -> Bool {
        let now = clock()
        let (snapshot, reads) = state.withLock { state in
            if state.exist != nil, now - state.readAt < lifetime || state.reading { return (state, false) }
            state.reading = true
            return (state, true)
        }
        if !reads, let exist = snapshot.exist { return exist }
        defer { if reads { state.withLock { $0.reading = false } } }
        let exist = try await users.anyAccountPastMergeThreshold()
        // A post by such an account while this read ran (a newer generation) outranks what the read found.
        return state.withLock { state in
            if state.generation == snapshot.generation {
                state.exist = exist
                state.readAt = now
            }
            return state.exist ?? exist
        }
    }
}
