import DarkroomCore

/// What a live stream (`/v1/stream`) sends a signed-in app: new media of the user's home feed and the notifications
/// of the app's subscriptions, each with an id that orders them (ids come from one time-ordered generator), so a
/// reconnecting app resumes after the last id it saw, while the feed and the outbox still hold what followed.
public struct LiveEvents: Sendable {
    let database: any Database

    public struct Event: Sendable {
        public enum Kind: String, Sendable { case media, notification }
        public var id: Int64
        public var kind: Kind
        public var mediaID: MediaID
        public var object: String?
        public var objectID: String?
    }

    /// Events after `cursor`, oldest first, at most `limit`.
    public func after(_ cursor: Int64, user: UserID, client: ClientRecordID, limit: Int = 100) async throws -> [Event] {
        let media = try await database.lookup("""
            SELECT media_id FROM feed_entries WHERE user_id = \(user) AND media_id > \(cursor) ORDER BY media_id LIMIT \(limit)
            """).decode { row in
            let id: Int64 = try row.int()
            return Event(id: id, kind: .media, mediaID: MediaID(id), object: nil, objectID: nil)
        }
        let notifications = try await database.lookup("""
            SELECT id, media_id, object, object_id FROM notifications WHERE client_ref = \(client) AND id > \(cursor) ORDER BY id LIMIT \(limit)
            """).decode { row in
            Event(id: try row.int(), kind: .notification, mediaID: try row.id(), object: try row.string(), objectID: try row.string())
        }
        return Array((media + notifications).sorted { $0.id < $1.id }.prefix(limit))
    }

    /// Where a new stream starts: after everything there is now.
    public func now(user: UserID, client: ClientRecordID) async throws -> Int64 {
        let feed = try await database.lookup("SELECT max(media_id) FROM feed_entries WHERE user_id = \(user)").scalarInt() ?? 0
        let outbox = try await database.lookup("SELECT max(id) FROM notifications WHERE client_ref = \(client)").scalarInt() ?? 0
        return max(feed, outbox)
    }
}
