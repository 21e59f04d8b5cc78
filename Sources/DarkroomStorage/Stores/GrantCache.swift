import DarkroomCore
import Synchronization

/// Access tokens resolved recently, so that most calls cost no query for their token.
///
/// A grant changes only through a few rare writes: a revocation, a client's deletion, new secret or settings, a block
/// (which sets `involvedInBlocks`). Each of them calls `changed()` once it has committed, and no copy read before that
/// is served again. Writes made by another process (several servers on one PostgreSQL) take effect here within
/// `lifetime`.
public final class GrantCache: Sendable {
    private struct Entry {
        var grant: AccessGrant
        var generation: Int64
        var readAt: Int64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generation: Int64 = 0
    }

    private let state = Mutex(State())
    private let lookups = CacheCounters(cache: "grants")
    private let clock: @Sendable () -> Int64
    /// How long, in milliseconds, a grant read from the database is used without reading it again.
    let lifetime: Int64
    private let capacity: Int

    init(clock: @escaping @Sendable () -> Int64, lifetime: Int64 = 2000, capacity: Int = 100_000) {
        self.clock = clock
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The cached grant for a token, or one read by `read` (which is kept unless a grant changed while it ran).
    func grant(for token: String, read: () async throws -> AccessGrant?) async throws -> AccessGrant? {
        let now = clock()
        let (cached, generation) = state.withLock { state in
            (state.entries[token].flatMap { $0.generation == state.generation && now - $0.readAt < lifetime ? $0.grant : nil }, state.generation)
        }
        lookups.record(hit: cached != nil)
        if let cached { return cached }
        guard let grant = try await read() else { return nil }
        state.withLock { state in
            // A grant that changed since the read began may have been read as it was before.
            guard state.generation == generation else { return }
            if state.entries.count >= capacity {
                // Dropping an arbitrary half is cheaper than tracking recency on every hit, and good enough here.
                for key in state.entries.keys.prefix(capacity / 2) { state.entries.removeValue(forKey: key) }
            }
            state.entries[token] = Entry(grant: grant, generation: generation, readAt: now)
        }
        return grant
    }

    /// Some grant may have changed: every copy read so far is dropped.
    func changed() {
        state.withLock { state in
            state.generation += 1
            state.entries.removeAll(keepingCapacity: true)
        }
    }
}
