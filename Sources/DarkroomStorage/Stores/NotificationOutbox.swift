import DarkroomCore

/// The delivery side of the real-time outbox: a post writes one `media_events` row in its transaction, `expandEvents`
/// turns each into its notifications (`SubscriptionStore.expand`), and due notifications are claimed
/// with a lease — `FOR UPDATE SKIP LOCKED` on PostgreSQL, so processes sharing a database take different ones — and
/// each ends delivered, rescheduled with backoff, or set aside as failed after about a day. A notification of a media
/// deleted (or of an account suspended or deleted) before its delivery is dropped, never sent after the fact.
public struct NotificationOutbox: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    /// Rung once new notifications are committed, for this process's live streams.
    var live: LiveSignal?

    /// How long a claimed notification is another process's to leave alone.
    public static let lease: Int64 = 30
    /// Attempts before a notification is set aside (backoff doubles from 2 s to an hour: about a day in all).
    public static let maximumAttempts: Int64 = 30

    public struct Pending: Sendable {
        public var id: Int64
        public var subscriptionID: Int64
        public var clientRef: ClientRecordID
        public var callbackURL: String
        public var object: String
        public var objectID: String
        public var mediaID: MediaID
        public var createdAt: Int64
        public var attempts: Int64
    }

    /// Whether anything waits: new media events, or notifications due now. A read, cheap enough to poll often.
    public func hasWork() async throws -> Bool {
        let now = environment.nowSeconds
        return try await database.lookup(
            """
            SELECT 1 WHERE EXISTS (SELECT 1 FROM media_events)
                OR EXISTS (SELECT 1 FROM notifications WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= \(now)
                           AND lease_until <= \(now))
            """
        ).decodeFirst { try $0.int() } != nil
    }

    /// Turns up to `limit` media events into their notifications, each event and its notifications in one
    /// transaction with the event's removal (one process takes each: `SKIP LOCKED` on PostgreSQL).
    public func expandEvents(limit: Int = 200) async throws {
        let skipLocked = database.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let (environment, engine) = (environment, database.engine)
        let expanded = try await database.transaction { tx -> Bool in
            let events = try await tx.query("SELECT id, media_id, created_at FROM media_events ORDER BY id LIMIT \(limit)\(raw: skipLocked)")
                .decode { (id: try $0.int(), media: try $0.id(MediaID.self), time: try $0.int()) }
            guard !events.isEmpty else { return false }
            for event in events {
                try await SubscriptionStore.expand(media: event.media, time: event.time, in: tx, environment: environment)
            }
            try await tx.execute("DELETE FROM media_events WHERE id IN (\(list: events.map(\.id)))")
            try await LiveEvents.announce(in: tx, engine: engine)
            return true
        }
        if expanded { live?.ring() }
    }

    /// Claims up to `limit` due notifications for `lease` seconds, oldest first, dropping those whose media is gone.
    public func claim(limit: Int) async throws -> [Pending] {
        try await expandEvents()
        let now = environment.nowSeconds
        let skipLocked = database.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await database.transaction { tx in
            let claimed = try await tx.query(
                """
                UPDATE notifications SET lease_until = \(now + Self.lease)
                 WHERE id IN (SELECT id FROM notifications
                               WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= \(now) AND lease_until <= \(now)
                               ORDER BY next_attempt_at, id LIMIT \(limit)\(raw: skipLocked))
                RETURNING id, subscription_id, client_ref, callback_url, object, object_id, media_id, created_at, attempts
                """
            ).decode { row in
                Pending(
                    id: try row.int(),
                    subscriptionID: try row.int(),
                    clientRef: try row.id(),
                    callbackURL: try row.string(),
                    object: try row.string(),
                    objectID: try row.string(),
                    mediaID: try row.id(),
                    createdAt: try row.int(),
                    attempts: try row.int()
                )
            }
            guard !claimed.isEmpty else { return [] }
            let present = Set(
                try await tx.query(
                    """
                    SELECT m.id FROM media m JOIN users u ON u.id = m.user_id WHERE m.id IN (\(list: Set(claimed.map(\.mediaID)).sorted()))
                       AND \(Visibility.present("u"))
                    """
                ).decode { try $0.id(MediaID.self) }
            )
            let withdrawn = claimed.filter { !present.contains($0.mediaID) }.map(\.id)
            if !withdrawn.isEmpty { try await tx.execute("DELETE FROM notifications WHERE id IN (\(list: withdrawn))") }
            return claimed.filter { present.contains($0.mediaID) }.sorted { $0.id < $1.id }
        }
    }

    /// Each client's secret, which signs its notifications.
    public func secrets(of clients: Set<ClientRecordID>) async throws -> [ClientRecordID: String] {
        guard !clients.isEmpty else { return [:] }
        let rows = try await database.query("SELECT id, client_secret FROM clients WHERE id IN (\(list: clients.sorted()))")
            .decode { (try $0.id(ClientRecordID.self), try $0.string()) }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    /// Gives claimed notifications back, due at once (their callback's host was busy this round).
    public func release(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await database.execute("UPDATE notifications SET lease_until = 0 WHERE id IN (\(list: ids))")
    }

    public func delivered(_ ids: [Int64], status: Int) async throws {
        guard !ids.isEmpty else { return }
        try await database.execute(
            """
            UPDATE notifications SET delivered_at = \(environment.nowSeconds), last_status = \(Int64(status)), last_error = NULL WHERE id IN
                (\(list: ids))
            """
        )
    }

    /// After a failed attempt: again later (doubling from 2 s, at most an hour, with jitter), or set aside.
    public func failed(_ ids: [Int64], attempts: Int64, status: Int?, error: String) async throws {
        guard !ids.isEmpty else { return }
        let now = environment.nowSeconds
        let next = attempts + 1
        if next >= Self.maximumAttempts {
            try await database.execute(
                """
                UPDATE notifications SET attempts = \(next), failed_at = \(now), last_status = \(status.map(Int64.init)), last_error = \(error)
                 WHERE id IN (\(list: ids))
                """
            )
            return
        }
        let base = min(Int64(1) << min(next, 12), 3600)
        let jitter = Int64(environment.randomBytes(1)[0]) % max(base / 4, 1)
        try await database.execute(
            """
            UPDATE notifications SET attempts = \(next), next_attempt_at = \(now + base + jitter), lease_until = 0,
                   last_status = \(status.map(Int64.init)), last_error = \(error)
             WHERE id IN (\(list: ids))
            """
        )
    }

    /// A client's notifications, newest first, as its developer page shows them.
    public struct Record: Sendable {
        public var id: Int64
        public var object: String
        public var objectID: String
        public var mediaID: MediaID
        public var createdAt: Int64
        public var attempts: Int64
        public var deliveredAt: Int64?
        public var failedAt: Int64?
        public var lastStatus: Int64?
        public var lastError: String?
    }

    public func recent(for client: ClientRecordID, limit: Int) async throws -> [Record] {
        try await database.query(
            """
            SELECT id, object, object_id, media_id, created_at, attempts, delivered_at, failed_at, last_status, last_error
              FROM notifications WHERE client_ref = \(client) ORDER BY id DESC LIMIT \(limit)
            """
        ).decode { row in
            Record(
                id: try row.int(),
                object: try row.string(),
                objectID: try row.string(),
                mediaID: try row.id(),
                createdAt: try row.int(),
                attempts: try row.int(),
                deliveredAt: try row.optionalInt(),
                failedAt: try row.optionalInt(),
                lastStatus: try row.optionalInt(),
                lastError: try row.optionalString()
            )
        }
    }

    /// Puts a failed notification of the client's back in the queue, due now; false when there is no such one.
    public func retry(_ id: Int64, for client: ClientRecordID) async throws -> Bool {
        try await database.transaction { tx in
            try await !tx.query(
                """
                UPDATE notifications SET failed_at = NULL, attempts = 0, next_attempt_at = \(environment.nowSeconds), lease_until = 0
                 WHERE id = \(id) AND client_ref = \(client) AND failed_at IS NOT NULL RETURNING id
                """
            ).isEmpty
        }
    }

    /// Notifications waiting to be delivered (due or scheduled), for the metrics.
    public func backlog() async throws -> Int64 {
        try await database.query("SELECT count(*) FROM notifications WHERE delivered_at IS NULL AND failed_at IS NULL").scalarInt() ?? 0
    }

    /// Drops delivered notifications older than a day.
    public func prune() async throws {
        try await database.execute("DELETE FROM notifications WHERE delivered_at < \(environment.nowSeconds - 86_400)")
    }
}
