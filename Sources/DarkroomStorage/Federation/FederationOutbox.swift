import DarkroomCore

/// Activities waiting for delivery to other servers, one row an activity and an inbox, and their delivery record.
/// Writing one enqueues the `DeliverActivitiesJob` of its inbox (one per inbox, so a server's shared inbox gets one
/// request at a time, whatever the number of its people who follow); that job reads its inbox's waiting activities
/// here, oldest first, and records each attempt. After `maximumAttempts` (about two days of the queue's backoff) an
/// activity is set aside and its server marked unavailable: nothing more is sent there until it is heard from again.
public struct FederationOutbox: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let jobs: JobQueue

    /// Attempts over about two days: the backoff doubles from 2 s to an hour, then stays there.
    public static let maximumAttempts: Int64 = 56

    public struct Pending: Sendable {
        public var id: Int64
        public var inbox: String
        public var signer: UserID
        /// The signing key's id (the actor's, `…#main-key`): kept with the activity, since the account may be gone
        /// (a deleted account's Delete is still signed by it).
        public var keyID: String
        public var activity: String
        public var attempts: Int64
    }

    /// Queues `activity`, signed as `signer`, for each inbox; inboxes of servers that are suspended or unavailable
    /// are left out.
    public func deliver(_ activity: String, signer: UserID, keyID: String, to inboxes: [String], in tx: any SQLExecutor) async throws {
        for inbox in Set(inboxes).sorted() {
            let host = CallbackURL.host(of: inbox)
            let refused = try await tx.query(
                """
                SELECT 1 FROM remote_domains WHERE domain = \(host) AND (policy = 'suspend' OR unavailable_since IS NOT NULL)
                """
            )
            guard refused.isEmpty else { continue }
            try await tx.execute(
                """
                INSERT INTO federation_outbox (id, inbox, signer_id, key_id, activity, created_at)
                VALUES (\(environment.ids.next()), \(inbox), \(signer), \(keyID), \(activity), \(environment.nowSeconds))
                """
            )
            try await jobs.enqueue(DeliverActivitiesJob(inbox: inbox), in: tx)
        }
    }

    public func deliver(_ activity: String, signer: UserID, keyID: String, to inboxes: [String]) async throws {
        defer { jobs.wake() }
        try await database.transaction { tx in try await deliver(activity, signer: signer, keyID: keyID, to: inboxes, in: tx) }
    }

    /// The inbox's oldest waiting activities.
    public func waiting(inbox: String, limit: Int) async throws -> [Pending] {
        try await database.query(
            """
            SELECT id, inbox, signer_id, key_id, activity, attempts FROM federation_outbox
             WHERE inbox = \(inbox) AND delivered_at IS NULL AND failed_at IS NULL ORDER BY id LIMIT \(limit)
            """
        ).decode {
            Pending(
                id: try $0.int(),
                inbox: try $0.string(),
                signer: try $0.id(),
                keyID: try $0.string(),
                activity: try $0.string(),
                attempts: try $0.int()
            )
        }
    }

    public func delivered(_ id: Int64, status: Int) async throws {
        try await database.execute(
            """
            UPDATE federation_outbox SET delivered_at = \(environment.nowSeconds), last_status = \(Int64(status)), last_error = NULL
             WHERE id = \(id)
            """
        )
    }

    /// Records a failed attempt; `permanent` (the server refused the activity itself) sets it aside at once. Answers
    /// whether it is now set aside; when it ran out of attempts its server is marked unavailable.
    @discardableResult
    public func failed(_ id: Int64, status: Int?, error: String, permanent: Bool) async throws -> Bool {
        let now = environment.nowSeconds
        return try await database.transaction { tx in
            let outcome = try await tx.query(
                """
                UPDATE federation_outbox SET attempts = attempts + 1, last_status = \(status.map(Int64.init)),
                       last_error = \(String(error.prefix(500))),
                       failed_at = CASE WHEN \(permanent) OR attempts + 1 >= \(Self.maximumAttempts) THEN \(now) ELSE NULL END
                 WHERE id = \(id) RETURNING failed_at, attempts, inbox
                """
            ).decodeFirst { (failedAt: try $0.optionalInt(), attempts: try $0.int(), inbox: try $0.string()) }
            guard let outcome, outcome.failedAt != nil else { return false }
            if outcome.attempts >= Self.maximumAttempts {
                let host = CallbackURL.host(of: outcome.inbox)
                try await tx.execute(
                    """
                    INSERT INTO remote_domains (domain, unavailable_since, updated_at) VALUES (\(host), \(now), \(now))
                    ON CONFLICT (domain) DO UPDATE SET unavailable_since = \(now), updated_at = \(now)
                    """
                )
                try await tx.execute(
                    """
                    UPDATE federation_outbox SET failed_at = \(now), last_error = 'the server is unavailable'
                     WHERE delivered_at IS NULL AND failed_at IS NULL AND inbox = \(outcome.inbox)
                    """
                )
            }
            return true
        }
    }

    /// A server was heard from (a signed request came from it): deliveries to it go on.
    public func markAvailable(_ domain: String) async throws {
        try await database.execute(
            "UPDATE remote_domains SET unavailable_since = NULL WHERE domain = \(domain.lowercased()) AND unavailable_since IS NOT NULL"
        )
    }

    /// Counts for the admin page and the benchmark: waiting, delivered and set aside.
    public func counts() async throws -> (waiting: Int64, delivered: Int64, failed: Int64) {
        try await database.query(
            """
            SELECT count(*) FILTER (WHERE delivered_at IS NULL AND failed_at IS NULL), count(*) FILTER (WHERE delivered_at IS NOT NULL),
                   count(*) FILTER (WHERE failed_at IS NOT NULL) FROM federation_outbox
            """
        ).decodeFirst { (try $0.int(), try $0.int(), try $0.int()) } ?? (0, 0, 0)
    }

    /// Drops the record of deliveries finished more than a day ago.
    public func prune() async throws {
        try await database.execute(
            """
            DELETE FROM federation_outbox WHERE (delivered_at IS NOT NULL OR failed_at IS NOT NULL)
               AND created_at < \(environment.nowSeconds - 86_400)
            """
        )
    }
}

/// Sends one inbox's waiting activities, one request each, oldest first, until none waits (`ActivityDelivery`, in the
/// API module, which has the HTTP client). One per inbox (its key); at most four inboxes of one server at once (its
/// lane). A failed request is retried by the queue with its backoff; activities that keep failing are set aside one
/// by one, so the job itself never is.
public struct DeliverActivitiesJob: BackgroundJob {
    public static let kind = "deliver-activities"
    public static let laneLimit = 4
    public static let maximumAttempts: Int64 = 1_000_000
    public var inbox: String

    public init(inbox: String) { self.inbox = inbox }

    public var key: String? { inbox }
    public var lane: String? { CallbackURL.host(of: inbox) }
}
