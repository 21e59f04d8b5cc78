import DarkroomCore

/// A job claimed from the queue, leased to the worker that runs it.
public struct ClaimedJob: Sendable {
    public let id: Int64
    public let kind: String
    public let payload: String
    /// Which attempt this claim is. Every claim counts one more, so it also tells this claim from a later one made
    /// after its lease ran out: whatever ends or changes the job names it, and a claim that was overtaken changes
    /// nothing (`JobLeaseLost`).
    public let attempts: Int64
}

/// A job's lease ran out while it ran and another claim has it now: what the overtaken run did in the transaction
/// that says so is rolled back, and the job is the new claim's to finish.
public struct JobLeaseLost: Error, CustomStringConvertible {
    public let id: Int64
    public var description: String { "job \(id) was claimed again after its lease ran out" }
}

/// A job as an operator sees it (`darkroom jobs`).
public struct JobRecord: Sendable, Encodable {
    public let id: Int64
    public let kind: String
    public let key: String?
    public let payload: String
    public let attempts: Int64
    public let runAt: Int64
    public let createdAt: Int64
    public let leasedUntil: Int64
    public let setAsideAt: Int64?
    public let lastError: String?
}

/// Waiting work of one kind, for the metrics.
public struct JobKindStatistics: Sendable, Equatable {
    public let kind: String
    /// Jobs waiting or running.
    public let waiting: Int64
    /// When the longest-waiting job that is due and not running fell due (unix seconds): how far behind the kind is.
    public let oldestDueAt: Int64?
    /// Jobs set aside after their last attempt failed.
    public let setAside: Int64
}

/// The one durable queue of background work, shared by every server process. Everything about claiming lives here:
/// the claim order (priority, then due time), leases (a job whose worker died is claimed again once its lease runs
/// out), keys (one job per kind and key, run again if enqueued while running), lanes (at most `laneLimit` running
/// per lane across the fleet), retries with backoff and jitter, and jobs set aside with their reason.
///
/// Waking: an enqueue rings this process's `doorbell` at once and, on PostgreSQL, sends a notice on `channel` when its
/// transaction commits, which every process listens for (`JobWorker`).
public struct JobQueue: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let doorbell: Doorbell

    /// The notice channel enqueues (and the ends of lane jobs) are announced on.
    public static let channel = "darkroom_jobs"
    /// How long a claim lasts; a running job's worker renews it every third of that.
    public static let leaseSeconds: Int64 = 60

    /// Adds a job within `tx`, so it exists exactly when the write that needs it commits; `runAt` (unix seconds)
    /// defers it, and `when` (a condition in SQL) adds it only if it holds, in the same statement.
    public func enqueue<Job: BackgroundJob>(_ job: Job, runAt: Int64? = nil, when condition: SQL? = nil, in tx: any SQLExecutor) async throws {
        let now = environment.nowSeconds
        guard try await Self.insert(job, id: environment.ids.next(), now: now, runAt: runAt ?? now, when: condition, in: tx) else { return }
        if database.engine == .postgres { try await tx.execute("NOTIFY \(raw: Self.channel)") }
        // On SQLite a worker's claim waits for this transaction's commit (one writer); on PostgreSQL the notice
        // follows the commit, so a claim made before it finds nothing and the notice wakes the worker again.
        doorbell.ring()
    }

    /// Rings this process's worker again once a transaction that enqueued has committed: on PostgreSQL the ring from
    /// inside it may have set off a claim before the commit, and the notice that follows it depends on a listening
    /// connection that may be reconnecting.
    public func wake() { doorbell.ring() }

    /// Adds a job in a transaction of its own.
    public func enqueue<Job: BackgroundJob>(_ job: Job, runAt: Int64? = nil) async throws {
        try await database.transaction { tx in try await enqueue(job, runAt: runAt, in: tx) }
        wake()
    }

    /// Writes the job (or, for a key already queued, what `BackgroundJob.key` promises); false when `condition` failed.
    static func insert<Job: BackgroundJob>(
        _ job: Job,
        id: Int64,
        now: Int64,
        runAt: Int64,
        when condition: SQL? = nil,
        in tx: any SQLExecutor
    ) async throws -> Bool {
        let lane = job.lane.map { String($0.prefix(200)) }
        return try await !tx.query(
            """
            INSERT INTO jobs (id, kind, payload, priority, job_key, lane, lane_limit, run_at, created_at)
            SELECT \(id), \(Job.kind), \(try JobPayload.encode(job)), \(Job.priority.rawValue), \(job.key), \(lane), \(Int64(Job.laneLimit)),
                   \(runAt), \(now)
             WHERE \(condition ?? "1 = 1")
            ON CONFLICT (kind, job_key) WHERE job_key IS NOT NULL DO UPDATE SET
                rerun_at = CASE WHEN jobs.leased_until > \(now) AND jobs.failed_at IS NULL
                                THEN (CASE WHEN jobs.rerun_at IS NULL OR jobs.rerun_at > excluded.run_at THEN excluded.run_at ELSE jobs.rerun_at END)
                                ELSE jobs.rerun_at END,
                attempts = CASE WHEN jobs.failed_at IS NULL THEN jobs.attempts ELSE 0 END,
                run_at = CASE WHEN jobs.failed_at IS NULL THEN jobs.run_at ELSE excluded.run_at END,
                payload = CASE WHEN jobs.failed_at IS NULL THEN jobs.payload ELSE excluded.payload END,
                failed_at = NULL
            RETURNING id
            """
        ).isEmpty
    }

    /// The first due job of one of `kinds` that no live worker holds and whose lane has room, now leased to the
    /// caller; nil when there is none.
    public func claim(kinds: [String]) async throws -> ClaimedJob? {
        guard !kinds.isEmpty else { return nil }
        let now = environment.nowSeconds
        // PostgreSQL workers skip rows others are claiming; SQLite has one writer at a time anyway.
        let locking = database.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await database.transaction { tx in
            try await tx.query(
                """
                UPDATE jobs SET leased_until = \(now + Self.leaseSeconds), attempts = attempts + 1
                 WHERE id = (SELECT j.id FROM jobs j
                              WHERE j.failed_at IS NULL AND j.run_at <= \(now) AND j.leased_until <= \(now) AND j.kind IN (\(list: kinds))
                                AND (j.lane IS NULL OR (SELECT count(*) FROM jobs o
                                                         WHERE o.lane = j.lane AND o.kind = j.kind AND o.leased_until > \(now)) < j.lane_limit)
                              ORDER BY j.priority, j.run_at, j.id LIMIT 1\(raw: locking))
                RETURNING id, kind, payload, attempts
                """
            ).decodeFirst { ClaimedJob(id: try $0.int(), kind: try $0.string(), payload: try $0.string(), attempts: try $0.int()) }
        }
    }

    /// When something of `kinds` next falls due, or a lease runs out (unix seconds); nil when nothing waits.
    func nextDue(kinds: [String]) async throws -> Int64? {
        guard !kinds.isEmpty else { return nil }
        let now = environment.nowSeconds
        return try await database.query(
            """
            SELECT min(CASE WHEN leased_until > \(now) THEN leased_until ELSE run_at END) FROM jobs
             WHERE failed_at IS NULL AND kind IN (\(list: kinds)) AND (run_at > \(now) OR leased_until > \(now))
            """
        ).scalarInt()
    }

    /// Keeps a running job's claim for another lease.
    func renew(_ job: ClaimedJob) async throws {
        try await database.execute(
            "UPDATE jobs SET leased_until = \(environment.nowSeconds + Self.leaseSeconds) WHERE id = \(job.id) AND attempts = \(job.attempts)"
        )
    }

    /// Ends a job: gone, or due again when it was enqueued again while it ran.
    func complete(_ job: ClaimedJob) async throws {
        try await database.transaction { tx in try await Self.finish(job, in: tx) }
        if database.engine == .postgres { try await database.execute("NOTIFY \(raw: Self.channel)") }
    }

    /// Throws `JobLeaseLost`, rolling `tx` back, when another claim has overtaken this one.
    static func finish(_ job: ClaimedJob, in tx: any SQLExecutor) async throws {
        // On PostgreSQL an enqueue of the same key holds the row's lock until it commits; this delete then sees its
        // `rerun_at` and leaves the row for the update below.
        let claim: SQL = "id = \(job.id) AND attempts = \(job.attempts)"
        let deleted = try await tx.query("DELETE FROM jobs WHERE \(claim) AND rerun_at IS NULL RETURNING id")
        let rescheduled = try await tx.query(
            "UPDATE jobs SET run_at = rerun_at, rerun_at = NULL, leased_until = 0, attempts = 0, last_error = NULL WHERE \(claim) RETURNING id"
        )
        if deleted.isEmpty && rescheduled.isEmpty { throw JobLeaseLost(id: job.id) }
    }

    /// Throws `JobLeaseLost` when another claim has overtaken this one.
    static func save(_ payload: String, of job: ClaimedJob, in tx: any SQLExecutor) async throws {
        let saved = try await tx.query("UPDATE jobs SET payload = \(payload) WHERE id = \(job.id) AND attempts = \(job.attempts) RETURNING id")
        if saved.isEmpty { throw JobLeaseLost(id: job.id) }
    }

    /// Has a job that asked for it run again at `seconds` (sooner when it was enqueued again meanwhile).
    func reschedule(_ job: ClaimedJob, at seconds: Int64) async throws {
        try await database.execute(
            """
            UPDATE jobs SET run_at = CASE WHEN rerun_at IS NOT NULL AND rerun_at < \(seconds) THEN rerun_at ELSE \(seconds) END,
                   rerun_at = NULL, leased_until = 0, attempts = 0, last_error = NULL
             WHERE id = \(job.id) AND attempts = \(job.attempts)
            """
        )
    }

    /// After a failed attempt: due again after a backoff that doubles from 2 s up to an hour, with up to a quarter
    /// more at random so failures of many jobs at once do not come back at once.
    func retry(_ job: ClaimedJob, error: String) async throws {
        let base = min(3600, Int64(1) << min(job.attempts, 12))
        let jitter = Int64(environment.randomBytes(2).reduce(0) { $0 << 8 | Int($1) }) % max(base / 4, 1)
        try await database.execute(
            """
            UPDATE jobs SET run_at = \(environment.nowSeconds + base + jitter), leased_until = 0, rerun_at = NULL,
                   last_error = \(String(error.prefix(500)))
             WHERE id = \(job.id) AND attempts = \(job.attempts)
            """
        )
    }

    /// Ends the lease on the job of a kind and key, when whoever holds it is known to be gone (a process on this machine
    /// that no longer exists): it is due at once, rather than when its lease runs out.
    public func releaseLease(kind: String, key: String) async throws {
        try await database.execute("UPDATE jobs SET leased_until = 0 WHERE kind = \(kind) AND job_key = \(key) AND failed_at IS NULL")
    }

    /// Gives a claim back unfinished (its worker is stopping), due at once for another.
    func release(_ job: ClaimedJob) async throws {
        try await database.execute("UPDATE jobs SET leased_until = 0, attempts = attempts - 1 WHERE id = \(job.id) AND attempts = \(job.attempts)")
    }

    /// Keeps a job that cannot run out of every claim, with the reason.
    func setAside(_ job: ClaimedJob, error: String) async throws {
        try await database.execute(
            """
            UPDATE jobs SET failed_at = \(environment.nowSeconds), leased_until = 0, rerun_at = NULL, last_error = \(String(error.prefix(500)))
             WHERE id = \(job.id) AND attempts = \(job.attempts)
            """
        )
    }

    // MARK: - For operators and the metrics

    /// Jobs waiting to run or running (not those set aside).
    public func pendingCount() async throws -> Int {
        Int(try await database.query("SELECT count(*) FROM jobs WHERE failed_at IS NULL").scalarInt() ?? 0)
    }

    /// Jobs due now or running (not those waiting for a later time, like the upkeep's next round, nor those set aside):
    /// zero once the work in hand is done.
    public func dueCount() async throws -> Int {
        Int(try await database.query("SELECT count(*) FROM jobs WHERE failed_at IS NULL AND run_at <= \(environment.nowSeconds)").scalarInt() ?? 0)
    }

    /// Jobs set aside after their last attempt failed.
    public func failedCount() async throws -> Int {
        Int(try await database.query("SELECT count(*) FROM jobs WHERE failed_at IS NOT NULL").scalarInt() ?? 0)
    }

    /// Depth, age and set-aside count per kind: every kind in the table, and each of `kinds` (with zeros when it has
    /// no jobs, so a gauge falls back to zero when its queue empties).
    public func statistics(including kinds: [String] = []) async throws -> [JobKindStatistics] {
        let now = environment.nowSeconds
        let present = try await database.query(
            """
            SELECT kind, sum(CASE WHEN failed_at IS NULL THEN 1 ELSE 0 END),
                   min(CASE WHEN failed_at IS NULL AND run_at <= \(now) AND leased_until <= \(now) THEN run_at END),
                   sum(CASE WHEN failed_at IS NULL THEN 0 ELSE 1 END)
              FROM jobs GROUP BY kind ORDER BY kind
            """
        ).decode { row in
            JobKindStatistics(kind: try row.string(), waiting: try row.int(), oldestDueAt: try row.optionalInt(), setAside: try row.int())
        }
        let absent = Set(kinds).subtracting(present.map(\.kind)).map { JobKindStatistics(kind: $0, waiting: 0, oldestDueAt: nil, setAside: 0) }
        return (present + absent).sorted { $0.kind < $1.kind }
    }

    /// Jobs, oldest first: those set aside, or those waiting and running.
    public func list(setAside: Bool, limit: Int = 100) async throws -> [JobRecord] {
        let state: SQL = setAside ? "failed_at IS NOT NULL" : "failed_at IS NULL"
        return try await database.query(
            """
            SELECT id, kind, job_key, payload, attempts, run_at, created_at, leased_until, failed_at, last_error FROM jobs
             WHERE \(state) ORDER BY created_at, id LIMIT \(limit)
            """
        ).decode { row in
            JobRecord(
                id: try row.int(),
                kind: try row.string(),
                key: try row.optionalString(),
                payload: try row.string(),
                attempts: try row.int(),
                runAt: try row.int(),
                createdAt: try row.int(),
                leasedUntil: try row.int(),
                setAsideAt: try row.optionalInt(),
                lastError: try row.optionalString()
            )
        }
    }

    /// Puts set-aside jobs back, due now with their attempts reset: one by id, or every one when `id` is nil. Answers
    /// how many.
    @discardableResult
    public func retrySetAside(_ id: Int64?) async throws -> Int {
        let which: SQL = id.map { "AND id = \($0)" } ?? ""
        let revived = try await database.transaction { tx in
            try await tx.query(
                """
                UPDATE jobs SET failed_at = NULL, attempts = 0, run_at = \(environment.nowSeconds), leased_until = 0
                 WHERE failed_at IS NOT NULL \(which) RETURNING id
                """
            ).count
        }
        if revived > 0 { try await wakeEveryProcess() }
        return revived
    }

    /// Deletes set-aside jobs: one by id, or every one when `id` is nil. Answers how many.
    @discardableResult
    public func dropSetAside(_ id: Int64?) async throws -> Int {
        let which: SQL = id.map { "AND id = \($0)" } ?? ""
        return try await database.transaction { tx in
            try await tx.query("DELETE FROM jobs WHERE failed_at IS NOT NULL \(which) RETURNING id").count
        }
    }

    private func wakeEveryProcess() async throws {
        doorbell.ring()
        if database.engine == .postgres { try await database.execute("NOTIFY \(raw: Self.channel)") }
    }
}
