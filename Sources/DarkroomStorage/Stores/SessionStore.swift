import DarkroomCore

/// Signed-in browser sessions. The cookie holds a random id; only its hash is stored.
public struct SessionStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    public static let lifetime: Int64 = 30 * 86_400

    /// How stale a session's "last seen" may grow before a visit writes it again: one write per person per few
    /// minutes, not one per page.
    public static let lastSeenResolution: Int64 = 300

    /// Starts a session from the browser `origin` describes; answers the id for the cookie.
    public func start(for user: UserID, from origin: SecurityLog.Origin = SecurityLog.Origin(address: "", device: "")) async throws -> String {
        let id = environment.randomHex(bytes: 32)
        let now = environment.nowSeconds
        try await database.execute(
            """
            INSERT INTO web_sessions (id_hash, user_id, created_at, expires_at, device, address, last_seen_at)
            VALUES (\(Hex.sha256(id)), \(user), \(now), \(now + Self.lifetime), \(String(origin.device.prefix(100))),
                    \(String(origin.address.prefix(64))), \(now))
            """
        )
        return id
    }

    /// Notes that the session is in use now, from `address`.
    public func touch(_ id: String, from address: String) async throws {
        try await database.execute(
            """
            UPDATE web_sessions SET last_seen_at = \(environment.nowSeconds), address = \(String(address.prefix(64)))
             WHERE id_hash = \(Hex.sha256(id))
            """
        )
    }

    /// One of a person's signed-in browsers, as their settings list it.
    public struct Listed: Sendable, Equatable {
        /// Names the session in forms without giving away its cookie: the start of its id's hash.
        public var handle: String
        public var device: String
        public var address: String
        public var createdAt: Int64
        public var lastSeenAt: Int64
        public var isCurrent: Bool
    }

    /// The user's live sessions, the one in use (`current`, a cookie's id) first, then the most recently seen.
    public func list(of user: UserID, current: String?) async throws -> [Listed] {
        let currentHash = current.map(Hex.sha256) ?? ""
        return try await database.query(
            """
            SELECT id_hash, device, address, created_at, last_seen_at FROM web_sessions
             WHERE user_id = \(user) AND expires_at > \(environment.nowSeconds) ORDER BY last_seen_at DESC LIMIT 100
            """
        ).decode { row in
            let hash = try row.string()
            return Listed(
                handle: String(hash.prefix(Self.handleLength)),
                device: try row.string(),
                address: try row.string(),
                createdAt: try row.int(),
                lastSeenAt: try row.int(),
                isCurrent: hash == currentHash
            )
        }.sorted { $0.isCurrent && !$1.isCurrent }
    }

    static let handleLength = 16

    /// Ends the user's session named by `handle`, or all but `keeping` (a cookie's id) when `handle` is nil; answers
    /// how many ended.
    public func end(of user: UserID, handle: String?, keeping current: String?) async throws -> Int {
        let keep = current.map(Hex.sha256) ?? ""
        if let handle {
            guard handle.utf8.count == Self.handleLength, handle.utf8.allSatisfy({ Hex.isDigit($0) }) else { return 0 }
        }
        let which: SQL = handle.map { "AND substr(id_hash, 1, \(raw: String(Self.handleLength))) = \($0)" } ?? ""
        return try await database.transaction { tx in
            try await tx.query("DELETE FROM web_sessions WHERE user_id = \(user) \(which) AND id_hash <> \(keep) RETURNING user_id").count
        }
    }

    /// The signed-in user, if the session is live.
    public func user(for id: String) async throws -> UserID? {
        guard id.utf8.count == 64 else { return nil }
        return try await database.lookup(
            """
            SELECT s.user_id FROM web_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = \(Hex.sha256(id)) AND s.expires_at > \(environment.nowSeconds) AND \(Visibility.present("u"))
            """
        ).decodeFirst { try $0.id(UserID.self) }
    }

    /// The signed-in user and whether they are an operator, if the session is live: what every page needs, in one read.
    public func visitor(for id: String) async throws -> Visitor? {
        guard id.utf8.count == 64 else { return nil }
        return try await database.lookup(
            """
            SELECT \(raw: Columns.user), u.is_operator,
                   EXISTS (SELECT 1 FROM blocks WHERE blocker_id = u.id) OR EXISTS (SELECT 1 FROM blocks WHERE blocked_id = u.id),
                   \(ActivityStore.unread(recipient: "u")), s.last_seen_at
              FROM web_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = \(Hex.sha256(id)) AND s.expires_at > \(environment.nowSeconds) AND \(Visibility.present("u"))
            """
        ).decodeFirst { row in
            Visitor(
                user: try Columns.user(&row),
                isOperator: try row.bool(),
                involvedInBlocks: try row.bool(),
                unreadActivity: Int(try row.int()),
                lastSeenAt: try row.int()
            )
        }
    }

    /// Who a live session belongs to, with what every page needs to know of them.
    public struct Visitor: Sendable {
        public var user: User
        public var isOperator: Bool
        /// Whether they block someone or are blocked: then lists are filtered for them, and not shared with others.
        public var involvedInBlocks: Bool
        /// Their activity not yet read, counted up to one past `ActivityStore.unreadCeiling`.
        public var unreadActivity: Int
        /// When the session was last noted in use (`touch`).
        public var lastSeenAt: Int64
    }

    public func end(_ id: String) async throws {
        try await database.execute("DELETE FROM web_sessions WHERE id_hash = \(Hex.sha256(id))")
    }

    /// Ends every web session of the user, inside the caller's transaction.
    func endAll(of user: UserID, in tx: any SQLExecutor) async throws {
        try await tx.execute("DELETE FROM web_sessions WHERE user_id = \(user)")
    }
}
