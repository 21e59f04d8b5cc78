import DarkroomCore
import Foundation

/// Real-time subscriptions (reference §5) and the outbox of their notifications.
///
/// When a media is posted, its transaction enqueues an `AnnounceMediaJob` (when anyone subscribes at all), so a post
/// that commits is never left unannounced; the job writes one notification for every subscription the media matches
/// (`expand`), in one transaction with its own end. A subscription matches: `user`,
/// media by a user who authorized the subscribing client (a live token); `tag`, a hashtag of the media; `location`,
/// its place; `geography`, a point inside the circle. A private account's media is announced only to a client that
/// holds a live token of the owner or of an approved follower. Each callback's notifications are then sent by a
/// `DeliverNotificationsJob` of its own.
public struct SubscriptionStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    public enum Object: String, Sendable, CaseIterable {
        case user, tag, location, geography
    }

    public struct Subscription: Sendable {
        public var id: Int64
        public var clientRef: ClientRecordID
        public var object: Object
        public var objectID: String?
        public var callbackURL: String
        public var latitude: Double?
        public var longitude: Double?
        public var radius: Double?
        public var createdAt: Int64
    }

    public struct NewSubscription: Sendable {
        public var object: Object
        public var objectID: String?
        public var callbackURL: String
        public var verifyToken: String?
        public var center: GeoPoint?
        public var radius: Double?

        public init(object: Object, objectID: String?, callbackURL: String, verifyToken: String?, center: GeoPoint? = nil, radius: Double? = nil) {
            self.object = object
            self.objectID = objectID
            self.callbackURL = callbackURL
            self.verifyToken = verifyToken
            self.center = center
            self.radius = radius
        }
    }

    private static let columns = "id, client_ref, object, object_id, callback_url, latitude, longitude, radius, created_at"

    private static func subscription(_ row: inout Row) throws -> Subscription {
        Subscription(
            id: try row.int(),
            clientRef: try row.id(),
            object: Object(rawValue: try row.string()) ?? .user,
            objectID: try row.optionalString(),
            callbackURL: try row.string(),
            latitude: try row.optionalDouble(),
            longitude: try row.optionalDouble(),
            radius: try row.optionalDouble(),
            createdAt: try row.int()
        )
    }

    /// Stores a verified subscription; a geography's object id is its own id (the geo-id). Refused past `limit` per client.
    public func create(_ new: NewSubscription, for client: ClientRecordID, limit: Int) async throws -> Subscription {
        let id = environment.ids.next()
        let objectID = new.object == .geography ? String(id) : new.objectID
        return try await database.transaction { tx in
            let count = try await tx.query("SELECT count(*) FROM subscriptions WHERE client_ref = \(client)").scalarInt() ?? 0
            guard count < Int64(limit) else {
                throw DomainError.limitReached(.subscriptions, limit: limit)
            }
            try await tx.execute(
                """
                INSERT INTO subscriptions (id, client_ref, object, object_id, aspect, callback_url, verify_token, latitude, longitude, radius,
                    created_at)
                VALUES (\(id), \(client), \(new.object.rawValue), \(objectID), 'media', \(new.callbackURL), \(new.verifyToken),
                        \(new.center?.latitude), \(new.center?.longitude), \(new.radius), \(environment.nowSeconds))
                """
            )
            guard let made = try await tx.query("SELECT \(raw: Self.columns) FROM subscriptions WHERE id = \(id)").decodeFirst(Self.subscription)
            else { throw DomainError.vanished(.client) }
            return made
        }
    }

    public func list(for client: ClientRecordID) async throws -> [Subscription] {
        try await database.query("SELECT \(raw: Self.columns) FROM subscriptions WHERE client_ref = \(client) ORDER BY id").decode(Self.subscription)
    }

    /// A geography of this client's (its geo-id is the subscription's id); nil for another client's or none.
    public func geography(_ id: Int64, for client: ClientRecordID) async throws -> Subscription? {
        try await database.query(
            """
            SELECT \(raw: Self.columns) FROM subscriptions WHERE id = \(id) AND client_ref = \(client) AND object = 'geography'
            """
        ).decodeFirst(Self.subscription)
    }

    /// Deletes subscriptions of the client, with their undelivered notifications: by id, by object (and object id), or
    /// every one (`object` nil and `id` nil). Answers how many went.
    @discardableResult
    public func delete(for client: ClientRecordID, id: Int64?, object: Object?, objectID: String?) async throws -> Int {
        var conditions: SQL = "client_ref = \(client)"
        if let id { conditions = "\(conditions) AND id = \(id)" }
        if let object { conditions = "\(conditions) AND object = \(object.rawValue)" }
        if let objectID { conditions = "\(conditions) AND object_id = \(objectID)" }
        let which = conditions
        return try await database.transaction { tx in
            let gone = try await tx.query("DELETE FROM subscriptions WHERE \(which) RETURNING id").decode { try $0.int() }
            if !gone.isEmpty {
                try await tx.execute("DELETE FROM notifications WHERE subscription_id IN (\(list: gone)) AND delivered_at IS NULL")
            }
            return gone.count
        }
    }

    // MARK: - Matching a new media

    /// A client's callback that notifications were written for.
    struct Callback: Hashable {
        var client: ClientRecordID
        var url: String
    }

    /// Writes the notifications a new media causes, within `tx`; answers the callbacks they go to (none when the media
    /// is gone).
    static func expand(media: MediaID, time: Int64, in tx: any SQLExecutor, environment: SystemEnvironment) async throws -> [Callback] {
        guard
            let facts = try await tx.query(
                """
                SELECT m.user_id, m.tags, m.location_id, m.latitude, m.longitude FROM media m JOIN users u ON u.id = m.user_id
                 WHERE m.id = \(media) AND \(Visibility.present("u"))
                """
            ).decodeFirst({ row in
                (
                    owner: try row.id(UserID.self), tags: try row.string().split(separator: " ").map(String.init), location: try row.optionalInt(),
                    latitude: try row.optionalDouble(), longitude: try row.optionalDouble()
                )
            })
        else { return [] }
        let point = facts.latitude.flatMap { latitude in facts.longitude.map { GeoPoint(latitude: latitude, longitude: $0) } }
        return try await notify(
            media: media,
            owner: facts.owner,
            tags: facts.tags,
            location: facts.location.map(LocationID.init),
            point: point,
            time: time,
            in: tx,
            environment: environment
        )
    }

    private static func notify(
        media: MediaID,
        owner: UserID,
        tags: [String],
        location: LocationID?,
        point: GeoPoint?,
        time: Int64,
        in tx: any SQLExecutor,
        environment: SystemEnvironment
    ) async throws -> [Callback] {
        // Whether the client may see the media: public, or a live token of the owner or of an approved follower.
        let mayShow: SQL = """
            (NOT EXISTS (SELECT 1 FROM users o WHERE o.id = \(owner) AND o.is_private = 1)
             OR EXISTS (SELECT 1 FROM access_tokens t WHERE t.client_ref = s.client_ref AND t.revoked_at IS NULL
                        AND (t.user_id = \(owner) OR t.user_id IN (SELECT follower_id FROM follows WHERE followee_id = \(owner)))))
            """
        var conditions: [SQL] = [
            """
            (s.object = 'user' AND EXISTS (SELECT 1 FROM access_tokens t WHERE t.client_ref = s.client_ref AND t.user_id = \(owner) AND t.revoked_at \
            IS NULL))
            """
        ]
        if !tags.isEmpty { conditions.append("(s.object = 'tag' AND s.object_id IN (\(list: tags)) AND \(mayShow))") }
        if let location { conditions.append("(s.object = 'location' AND s.object_id = \(String(location.rawValue)) AND \(mayShow))") }
        if let point {
            // A box around the point holding every circle that could contain it (radius ≤ 5 km), checked exactly below.
            let latitudeSpan = 0.05
            let longitudeSpan = 0.05 / max(cos(point.latitude * .pi / 180), 0.01)
            conditions.append(
                """
                (s.object = 'geography' AND s.latitude BETWEEN \(point.latitude - latitudeSpan) AND \(point.latitude + latitudeSpan)
                 AND s.longitude BETWEEN \(point.longitude - longitudeSpan) AND \(point.longitude + longitudeSpan) AND \(mayShow))
                """
            )
        }
        var matching = conditions[0]
        for condition in conditions.dropFirst() { matching = "\(matching) OR \(condition)" }
        let matches = try await tx.query(
            """
            SELECT s.id, s.client_ref, s.callback_url, s.object, s.object_id, s.latitude, s.longitude, s.radius FROM subscriptions s
             WHERE \(matching)
            """
        ).decode { row in
            (
                id: try row.int(), client: try row.int(), callback: try row.string(), object: try row.string(), objectID: try row.optionalString(),
                latitude: try row.optionalDouble(), longitude: try row.optionalDouble(), radius: try row.optionalDouble()
            )
        }
        var rows: [SQL] = []
        var callbacks: [Callback] = []
        for match in matches {
            if match.object == "geography" {
                guard let point, let latitude = match.latitude, let longitude = match.longitude, let radius = match.radius,
                    point.distance(to: GeoPoint(latitude: latitude, longitude: longitude)) <= radius
                else { continue }
            }
            let objectID = match.object == "user" ? String(owner.rawValue) : match.objectID ?? ""
            rows.append(
                """
                (\(environment.ids.next()), \(match.id), \(match.client), \(match.callback), \(match.object), \(objectID), \(media), \(time))
                """
            )
            let callback = Callback(client: ClientRecordID(match.client), url: match.callback)
            if !callbacks.contains(callback) { callbacks.append(callback) }
        }
        // One statement for the post's notifications, a bounded number of rows at a time.
        for start in stride(from: 0, to: rows.count, by: 100) {
            var values = rows[start]
            for row in rows[(start + 1)..<min(start + 100, rows.count)] { values = "\(values), \(row)" }
            try await tx.execute(
                """
                INSERT INTO notifications (id, subscription_id, client_ref, callback_url, object, object_id, media_id, created_at)
                VALUES \(values)
                """
            )
        }
        return callbacks
    }
}
