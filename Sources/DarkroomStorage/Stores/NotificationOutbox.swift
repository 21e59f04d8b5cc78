import DarkroomCore

/// Real-time notifications and their delivery record. A post enqueues an `AnnounceMediaJob`, which writes one
/// notification per matching subscription and a `DeliverNotificationsJob` per callback; that job reads its callback's
/// waiting notifications here (`waiting`), a batch at a time, and records each attempt (`delivered`, `failed`). A
/// notification of a media deleted (or of an account suspended or deleted) before its delivery is dropped, never sent
/// after the fact.
public struct NotificationOutbox: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let jobs: JobQueue

    /// Failed attempts before a notification is set aside (the queue's backoff doubles from 2 s to an hour: about a
    /// day in all).
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

    /// Up to `limit` of a client's notifications for one callback that wait for delivery, oldest first, after dropping
    /// those whose media is gone or whose owner is suspended.
    public func waiting(client: ClientRecordID, callback: String, limit: Int) async throws -> [Pending] {
        try await database.transaction { tx in
            let waiting = try await tx.query(
                """
                SELECT id, subscription_id, client_ref, callback_url, object, object_id, media_id, created_at, attempts FROM notifications
                 WHERE client_ref = \(client) AND callback_url = \(callback) AND delivered_at IS NULL AND failed_at IS NULL
                 ORDER BY id LIMIT \(limit)
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
            guard !waiting.isEmpty else { return [] }
            let present = Set(
                try await tx.query(
                    """
                    SELECT m.id FROM media m JOIN users u ON u.id = m.user_id WHERE m.id IN (\(list: Set(waiting.map(\.mediaID)).sorted()))
                       AND \(Visibility.present("u"))
                    """
                ).decode { try $0.id(MediaID.self) }
            )
            let withdrawn = waiting.filter { !present.contains($0.mediaID) }.map(\.id)
            if !withdrawn.isEmpty { try await tx.execute("DELETE FROM notifications WHERE id IN (\(list: withdrawn))") }
            return waiting.filter { present.contains($0.mediaID) }
        }
    }

    /// Each client's secret, which signs its notifications.
    public func secrets(of clients: Set<ClientRecordID>) async throws -> [ClientRecordID: String] {
        guard !clients.isEmpty else { return [:] }
        let rows = try await database.query("SELECT id, client_secret FROM clients WHERE id IN (\(list: clients.sorted()))")
            .decode { (try $0.id(ClientRecordID.self), try $0.string()) }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
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

    /// Records a failed attempt; a notification that has failed `maximumAttempts` times is set aside. Answers
    /// whether every one of them is now set aside (none waits for another attempt).
    @discardableResult
    public func failed(_ ids: [Int64], status: Int?, error: String) async throws -> Bool {
        guard !ids.isEmpty else { return false }
        return try await database.transaction { tx in
            try await tx.query(
                """
                UPDATE notifications SET attempts = attempts + 1, last_status = \(status.map(Int64.init)), last_error = \(String(error.prefix(500))),
                       failed_at = CASE WHEN attempts + 1 >= \(Self.maximumAttempts) THEN \(environment.nowSeconds) ELSE NULL END
                 WHERE id IN (\(list: ids)) RETURNING failed_at
                """
            ).decode { try $0.optionalInt() }.allSatisfy { $0 != nil }
        }
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

    /// Puts a failed notification of the client's back, with its callback's delivery job; false when there is no such one.
    public func retry(_ id: Int64, for client: ClientRecordID) async throws -> Bool {
        defer { jobs.wake() }
        return try await database.transaction { tx in
            guard
                let callback = try await tx.query(
                    """
                    UPDATE notifications SET failed_at = NULL, attempts = 0 WHERE id = \(id) AND client_ref = \(client) AND failed_at IS NOT NULL
                    RETURNING callback_url
                    """
                ).decodeFirst({ try $0.string() })
            else { return false }
            try await jobs.enqueue(DeliverNotificationsJob(client: client.rawValue, callback: callback), in: tx)
            return true
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
