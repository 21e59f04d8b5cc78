import DarkroomCore

/// Signed-in browser sessions. The cookie holds a random id; only its hash is stored.
public struct SessionStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    public static let lifetime: Int64 = 30 * 86_400

    /// Starts a session; answers the id for the cookie.
    public func start(for user: UserID) async throws -> String {
        let id = environment.randomHex(bytes: 32)
        let now = environment.nowSeconds
        try await database.execute(
            """
            INSERT INTO web_sessions (id_hash, user_id, created_at, expires_at)
            VALUES (\(Hex.sha256(id)), \(user), \(now), \(now + Self.lifetime))
            """
        )
        return id
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
                   \(ActivityStore.unread(recipient: "u"))
              FROM web_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = \(Hex.sha256(id)) AND s.expires_at > \(environment.nowSeconds) AND \(Visibility.present("u"))
            """
        ).decodeFirst { row in
            Visitor(user: try Columns.user(&row), isOperator: try row.bool(), involvedInBlocks: try row.bool(), unreadActivity: Int(try row.int()))
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
    }

    public func end(_ id: String) async throws {
        try await database.execute("DELETE FROM web_sessions WHERE id_hash = \(Hex.sha256(id))")
    }

    /// Ends every web session of the user, inside the caller's transaction.
    func endAll(of user: UserID, in tx: any SQLExecutor) async throws {
        try await tx.execute("DELETE FROM web_sessions WHERE user_id = \(user)")
    }
}
