import DarkroomCore
import Synchronization

/// Access tokens resolved recently, so that most calls cost no query for their token.
///
/// A grant changes only through a few rare writes: a revocation, a client's deletion, new secret or settings, a block
/// (which sets `involvedInBlocks`), a suspension. Each of them calls `changed()` once it has committed, and no copy read
/// before that is served again by this process. The same call counts the change in the database
/// (`fleet_generations`), which every process sharing it (several servers, the operator's commands) reads at most once
/// per `fleetInterval`, dropping its copies when the count moved: a change made elsewhere takes effect here within
/// about a second.
///
/// Why not a short lifetime per copy, as before: with many people each calling a few times a second, a two-second
/// lifetime meant a token query for nearly every other call on PostgreSQL (measured: 0.42 per feed request at 1,000
/// viewers), against one small read a second now. `lifetime` stays as a backstop for changes made outside Darkroom.
public final class GrantCache: Sendable {
    private struct Entry {
        var grant: AccessGrant
        var generation: Int64
        var readAt: Int64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generation: Int64 = 0
        /// The fleet's count of grant changes when last read (nil before the first reading), when, and whether a
        /// reading is under way (one caller reads; the others go on with what they have).
        var fleetGeneration: Int64?
        var fleetReadAt: Int64?
        var fleetReading = false

        /// Every copy dropped; reads under way when this happens are not kept either.
        mutating func dropAll() {
            generation += 1
            entries.removeAll(keepingCapacity: true)
        }
    }

    private let state = Mutex(State())
    private let lookups = CacheCounters(cache: "grants")
    private let clock: @Sendable () -> Int64
    private let database: any Database
    /// How long, in milliseconds, a grant read from the database is used at most (changes made by Darkroom, in any
    /// process, take effect within `fleetInterval`).
    let lifetime: Int64
    /// Milliseconds between readings of the fleet's count of grant changes.
    static let fleetInterval: Int64 = 1000
    private let capacity: Int

    init(clock: @escaping @Sendable () -> Int64, database: any Database, lifetime: Int64 = 60_000, capacity: Int = 100_000) {
        self.clock = clock
        self.database = database
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The cached grant for a token, or one read by `read` (which is kept unless a grant changed while it ran).
    func grant(for token: String, read: () async throws -> AccessGrant?) async throws -> AccessGrant? {
        let now = clock()
        await followFleet(now: now)
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

    /// Some grant has changed (committed): every copy read so far is dropped here, and the change is counted for the
    /// other processes. The count is not part of the change's transaction: were it to fail, the change has happened
    /// all the same and answering it as failed would be wrong; the other processes then see it within `lifetime`.
    func changed() async {
        state.withLock { $0.dropAll() }
        try? await database.execute("UPDATE fleet_generations SET value = value + 1 WHERE name = 'grants'")
    }

    /// Reads the fleet's count of grant changes when it is due, dropping every copy when another process changed a
    /// grant. Read from the primary, never a replica that may lag. A failed reading is tried again after the interval;
    /// meanwhile copies serve as they are (the statement that reads a grant would fail as well).
    private func followFleet(now: Int64) async {
        let due = state.withLock { state in
            guard !state.fleetReading, state.fleetReadAt.map({ now - $0 >= Self.fleetInterval }) ?? true else { return false }
            state.fleetReading = true
            return true
        }
        guard due else { return }
        let value = try? await ReadSession.$current.withValue(nil) {
            try await database.lookup("SELECT value FROM fleet_generations WHERE name = 'grants'").scalarInt()
        }
        state.withLock { state in
            state.fleetReading = false
            state.fleetReadAt = now
            guard let value = value ?? nil else { return }
            if let seen = state.fleetGeneration, seen != value { state.dropAll() }
            state.fleetGeneration = value
        }
    }
}
