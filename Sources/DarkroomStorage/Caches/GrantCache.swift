import DarkroomCore
import Synchronization

/// Access tokens resolved recently (`TokenStore.resolve`), so that most calls cost no query for their token.
///
/// **Valid while** no grant has changed since the copy was read. A grant changes only through a few rare writes (a
/// revocation, a client's deletion, new secret or settings, a block, a suspension), and each store that makes one
/// announces it (`StoreChanges.grantsChanged`) once it has committed: every copy read before is dropped, here at once.
/// The same announcement counts the change in the database (`fleet_generations`), which this cache reads at most once
/// per `fleetInterval`, dropping its copies when the count moved: a change made by another process (several servers,
/// the operator's commands) takes effect here within about a second. `lifetime` is a backstop for changes made
/// outside Darkroom.
///
/// Why not a short lifetime per copy, as before: with many people each calling a few times a second, a two-second
/// lifetime meant a token query for nearly every other call on PostgreSQL (measured: 0.42 per feed request at 1,000
/// viewers), against one small read a second now.
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
    private let tokens: TokenStore
    /// How long, in milliseconds, a grant read from the database is used at most (changes made by Darkroom, in any
    /// process, take effect within `fleetInterval`).
    let lifetime: Int64
    /// Milliseconds between readings of the fleet's count of grant changes.
    static let fleetInterval: Int64 = 1000
    private let capacity: Int

    init(
        tokens: TokenStore,
        changes: StoreChanges,
        clock: @escaping @Sendable () -> Int64,
        database: any Database,
        lifetime: Int64 = 60_000,
        capacity: Int = 100_000
    ) {
        self.tokens = tokens
        self.clock = clock
        self.database = database
        self.lifetime = lifetime
        self.capacity = capacity
        changes.listen { [weak self] change in
            if case .grants = change { self?.state.withLock { $0.dropAll() } }
        }
    }

    /// What a presented token grants, or nil if it is unknown or revoked: a copy, or what the store reads (kept unless
    /// a grant changed while it read).
    public func resolve(_ token: String) async throws -> AccessGrant? {
        guard TokenStore.couldBeAToken(token) else { return nil }
        let now = clock()
        await followFleet(now: now)
        let (cached, generation) = state.withLock { state in
            (state.entries[token].flatMap { $0.generation == state.generation && now - $0.readAt < lifetime ? $0.grant : nil }, state.generation)
        }
        lookups.record(hit: cached != nil)
        if let cached { return cached }
        guard let grant = try await tokens.resolve(token) else { return nil }
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
