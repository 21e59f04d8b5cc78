import DarkroomCore

/// Periodic work that the servers sharing one database should do once between them, not once each (the upkeep:
/// trimming feeds, sweeping files, pruning counters): the first server to ask for a name after its lease ran out gets
/// it for `seconds`; the others are told no until then.
public struct FleetLeases: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// Whether this server now holds `name` for the next `seconds` (one statement: an upsert that only replaces a
    /// lease that has run out, so two servers asking at once cannot both get it).
    public func take(_ name: String, seconds: Int64) async throws -> Bool {
        let now = environment.nowSeconds
        // A write with an answer: through a transaction, which is where SQLite's one writer connection is.
        let taken = try await database.transaction { tx in
            try await tx.query(
                """
                INSERT INTO fleet_leases (name, until) VALUES (\(name), \(now + seconds))
                ON CONFLICT (name) DO UPDATE SET until = excluded.until WHERE fleet_leases.until <= \(now)
                RETURNING name
                """
            )
        }
        return !taken.isEmpty
    }
}
