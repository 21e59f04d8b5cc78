import DarkroomCore

/// A job claimed from the queue: run it, then `complete` or `retry` it before the lease runs out.
public struct ClaimedJob: Sendable {
    public let id: Int64
    public let kind: String
    public let payload: String
    public let attempts: Int64
}

/// Durable background work in the database, shared by every server process: a job is claimed with a lease, so one
/// whose worker died (a crash, a restart) is claimed again once its lease runs out. Work is idempotent.
public struct JobQueue: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// How long a claim lasts before another worker may take the job over.
    public static let leaseSeconds: Int64 = 60

    static func enqueue(kind: String, payload: String, id: Int64, runAt: Int64, in tx: any SQLExecutor) async throws {
        try await tx.execute("INSERT INTO jobs (id, kind, payload, run_at) VALUES (\(id), \(kind), \(payload), \(runAt))")
    }

    /// The oldest due job no live worker holds, now leased to the caller; nil when there is none.
    public func claim() async throws -> ClaimedJob? {
        let now = environment.nowSeconds
        // PostgreSQL workers skip rows others are claiming; SQLite has one writer at a time anyway.
        let locking = database.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await database.transaction { tx in
            try await tx.query("""
                UPDATE jobs SET leased_until = \(now + Self.leaseSeconds), attempts = attempts + 1
                 WHERE id = (SELECT id FROM jobs WHERE run_at <= \(now) AND leased_until <= \(now) ORDER BY run_at, id LIMIT 1\(raw: locking))
                RETURNING id, kind, payload, attempts
                """).first.map { ClaimedJob(id: $0.int(0), kind: $0.string(1), payload: $0.string(2), attempts: $0.int(3)) }
        }
    }

    public func complete(_ job: ClaimedJob) async throws {
        try await database.execute("DELETE FROM jobs WHERE id = \(job.id)")
    }

    /// Puts a failed job back, due again after a backoff that grows with its attempts (capped at an hour).
    public func retry(_ job: ClaimedJob, error: String) async throws {
        let delay = min(3600, Int64(1) << min(job.attempts, 12))
        try await database.execute("""
            UPDATE jobs SET run_at = \(environment.nowSeconds + delay), leased_until = 0, last_error = \(String(error.prefix(500)))
             WHERE id = \(job.id)
            """)
    }

    public func pendingCount() async throws -> Int {
        Int(try await database.query("SELECT count(*) FROM jobs").first?.int(0) ?? 0)
    }
}
