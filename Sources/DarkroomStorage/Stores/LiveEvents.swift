import DarkroomCore

/// What a live stream (`/v1/stream`) sends a signed-in app: new media of the user's home feed, the notifications
/// of the app's subscriptions and the person's own activity (`ActivityStore`: whichever app reads it), each with an id
/// that orders them (ids come from one time-ordered generator), so a reconnecting app resumes after the last id it
/// saw, while the feed, the outbox and the activity still hold what followed.
///
/// A subscription belongs to the app, but a stream is read by one person: every event passes the visibility rule for
/// that person when it is read (live or replayed), so a private account's post, or one of an account that blocks them
/// or was suspended, never reaches them through an app's subscriptions.
public struct LiveEvents: Sendable {
    let database: any Database

    public struct Event: Sendable {
        public enum Kind: String, Sendable { case media, notification, activity }
        public var id: Int64
        public var kind: Kind
        /// Every media and notification event's; an activity's when it is about a media.
        public var mediaID: MediaID?
        public var object: String?
        public var objectID: String?
        /// An activity's kind and who did it.
        public var activity: (kind: String, actor: UserID)? = nil
    }

    /// How many events `after` answers at most.
    public static let pageSize = 100

    /// Events after `cursor`, oldest first, at most `limit`.
    public func after(_ cursor: Int64, user: UserID, client: ClientRecordID, limit: Int = pageSize) async throws -> [Event] {
        let media = try await database.lookup(
            """
            SELECT f.media_id FROM feed_entries f JOIN media m ON m.id = f.media_id JOIN users owner ON owner.id = m.user_id
             WHERE f.user_id = \(user) AND f.media_id > \(cursor) AND \(Visibility.mediaOf(owner: "owner", viewer: user))
             ORDER BY f.media_id LIMIT \(limit)
            """
        ).decode { row in
            let id: Int64 = try row.int()
            return Event(id: id, kind: .media, mediaID: MediaID(id), object: nil, objectID: nil)
        }
        let notifications = try await database.lookup(
            """
            SELECT n.id, n.media_id, n.object, n.object_id FROM notifications n JOIN media m ON m.id = n.media_id
              JOIN users owner ON owner.id = m.user_id
             WHERE n.client_ref = \(client) AND n.id > \(cursor) AND \(Visibility.mediaOf(owner: "owner", viewer: user))
             ORDER BY n.id LIMIT \(limit)
            """
        ).decode { row in
            Event(id: try row.int(), kind: .notification, mediaID: try row.id(), object: try row.string(), objectID: try row.string())
        }
        let activity = try await database.lookup(
            """
            SELECT a.id, a.media_id, a.kind, a.actor_id FROM activities a JOIN users u ON u.id = a.actor_id
              LEFT JOIN media m ON m.id = a.media_id LEFT JOIN users owner ON owner.id = m.user_id
             WHERE a.recipient_id = \(user) AND a.id > \(cursor) AND \(Visibility.notBlocked(user: "u", viewer: user))
               AND (a.media_id IS NULL OR \(Visibility.mediaOf(owner: "owner", viewer: user)))
             ORDER BY a.id LIMIT \(limit)
            """
        ).decode { row in
            Event(
                id: try row.int(),
                kind: .activity,
                mediaID: try row.optionalInt().map(MediaID.init),
                object: nil,
                objectID: nil,
                activity: (try row.string(), try row.id())
            )
        }
        return Array((media + notifications + activity).sorted { $0.id < $1.id }.prefix(limit))
    }

    /// Where a new stream starts: after everything there is now.
    public func now(user: UserID, client: ClientRecordID) async throws -> Int64 {
        let feed = try await database.lookup("SELECT max(media_id) FROM feed_entries WHERE user_id = \(user)").scalarInt() ?? 0
        let outbox = try await database.lookup("SELECT max(id) FROM notifications WHERE client_ref = \(client)").scalarInt() ?? 0
        let activity = try await database.lookup("SELECT max(id) FROM activities WHERE recipient_id = \(user)").scalarInt() ?? 0
        return max(feed, outbox, activity)
    }

    /// Within a transaction that writes feed entries, notifications or activity: tells other processes' streams, when it commits,
    /// that there may be something new (PostgreSQL `NOTIFY`; notices of one transaction are sent once). This process's
    /// streams are told by `LiveSignal.ring` after the commit.
    static func announce(in tx: any SQLExecutor, engine: SQLEngine) async throws {
        guard engine == .postgres else { return }
        try await tx.execute("SELECT pg_notify(\(LiveSignal.channel), '')")
    }
}
