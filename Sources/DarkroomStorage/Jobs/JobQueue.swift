import DarkroomCore

/// A job claimed from the queue: run it, then `complete`, `retry` or `setAside` it before the lease runs out.
public struct ClaimedJob: Sendable {
    public let id: Int64
    public let kind: String
    public let payload: String
    public let attempts: Int64
}

/// A job set aside because it could not be run at all (see `JobRegistry`), kept for an operator to look at.
public struct FailedJob: Sendable {
    public let id: Int64
    public let kind: String
    public let payload: String
    public let error: String
    public let failedAt: Int64
}

/// Durable background work in the database, shared by every server process: a job is claimed with a lease, so one
/// whose worker died (a crash, a restart) is claimed again once its lease runs out. Work is idempotent.
public struct JobQueue: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// How long a claim lasts before another worker may take the job over.
    public static let leaseSeconds: Int64 = 60

    /// Adds a job within `tx`, so it exists exactly when the write that needs it commits.
    static func enqueue<Job: BackgroundJob>(_ job: Job, id: Int64, runAt: Int64, in tx: any SQLExecutor) async throws {
        try await tx.execute("INSERT INTO jobs (id, kind, payload, run_at) VALUES (\(id), \(Job.kind), \(try JobPayload.encode(job)), \(runAt))")
    }

    /// The oldest due job no live worker holds, now leased to the caller; nil when there is none.
    public func claim() async throws -> ClaimedJob? {
        let now = environment.nowSeconds
        // PostgreSQL workers skip rows others are claiming; SQLite has one writer at a time anyway.
        let locking = database.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await database.transaction { tx in
            try await tx.query(
                """
                UPDATE jobs SET leased_until = \(now + Self.leaseSeconds), attempts = attempts + 1
                 WHERE id = (SELECT id FROM jobs WHERE run_at <= \(now) AND leased_until <= \(now) AND failed_at IS NULL
                              ORDER BY run_at, id LIMIT 1\(raw: locking))
                RETURNING id, kind, payload, attempts
                """
            ).decodeFirst { ClaimedJob(id: try $0.int(), kind: try $0.string(), payload: try $0.string(), attempts: try $0.int()) }
        }
    }

    public func complete(_ job: ClaimedJob) async throws {
        try await database.execute("DELETE FROM jobs WHERE id = \(job.id)")
    }

    /// Puts a failed job back, due again after a backoff that grows with its attempts (capped at an hour).
    public func retry(_ job: ClaimedJob, error: String) async throws {
        let delay = min(3600, Int64(1) << min(job.attempts, 12))
        try await database.execute(
            """
            UPDATE jobs SET run_at = \(environment.nowSeconds + delay), leased_until = 0, last_error = \(String(error.prefix(500)))
             WHERE id = \(job.id)
            """
        )
    }

    /// Keeps a job that cannot run out of every claim, with the reason.
    public func setAside(_ job: ClaimedJob, error: String) async throws {
        try await database.execute(
            """
            UPDATE jobs SET failed_at = \(environment.nowSeconds), leased_until = 0, last_error = \(String(error.prefix(500))) WHERE id = \(job.id)
            """
        )
    }

    /// Jobs waiting to run (not those set aside).
    public func pendingCount() async throws -> Int {
        Int(try await database.query("SELECT count(*) FROM jobs WHERE failed_at IS NULL").scalarInt() ?? 0)
    }

    /// Jobs set aside after their last attempt failed.
    public func failedCount() async throws -> Int {
        Int(try await database.query("SELECT count(*) FROM jobs WHERE failed_at IS NOT NULL").scalarInt() ?? 0)
    }

    /// The jobs set aside, oldest first.
    public func failed(limit: Int = 100) async throws -> [FailedJob] {
        try await database.query(
            """
            SELECT id, kind, payload, last_error, failed_at FROM jobs WHERE failed_at IS NOT NULL ORDER BY failed_at, id LIMIT \(limit)
            """
        ).decode { row in
            FailedJob(
                id: try row.int(),
                kind: try row.string(),
                payload: try row.string(),
                error: try row.optionalString() ?? "",
                failedAt: try row.int()
            )
        }
    }
}
