import DarkroomCore

/// What the operator commands read and change beyond what the API does: accounts as the operator sees them (operator
/// rank, sign-in state), every client, and tokens by user or client. Never a token itself: only hashes are stored.
public struct OperatorStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let changes: StoreChanges

    /// An account with what only the operator sees.
    public struct Account: Sendable {
        public var user: User
        public var isOperator: Bool
        public var hasPassword: Bool
        public var liveTokens: Int
        public var sessions: Int
        public var suspendedAt: Int64?
    }

    /// A token, described.
    public struct TokenRecord: Sendable {
        public var id: Int64
        public var userID: UserID
        public var username: String
        public var clientID: String
        public var scopes: String
        public var createdAt: Int64
        public var revokedAt: Int64?
    }

    private static let accountColumns =
        Columns.user + """
            , u.is_operator, u.password_hash IS NOT NULL,
              (SELECT count(*) FROM access_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL),
              (SELECT count(*) FROM web_sessions s WHERE s.user_id = u.id), u.suspended_at
            """

    private static func account(_ row: inout Row) throws -> Account {
        Account(
            user: try Columns.user(&row),
            isOperator: try row.bool(),
            hasPassword: try row.bool(),
            liveTokens: Int(try row.int()),
            sessions: Int(try row.int()),
            suspendedAt: try row.optionalInt()
        )
    }

    /// Accounts in order of creation, `limit` after the id `after`.
    public func accounts(after: UserID?, limit: Int) async throws -> [Account] {
        try await database.query(
            """
            SELECT \(raw: Self.accountColumns) FROM users u WHERE u.id > \(after?.rawValue ?? Int64.min) ORDER BY u.id LIMIT \(limit)
            """
        ).decode(Self.account)
    }

    /// Accounts whose username starts with `prefix` (any case; every account for an empty one), in username order,
    /// `limit` after the username `after`.
    public func accounts(startingWith prefix: String, after: String?, limit: Int) async throws -> [Account] {
        // LIKE's own characters in what the operator typed are literal.
        let pattern =
            prefix.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        return try await database.query(
            """
            SELECT \(raw: Self.accountColumns) FROM users u WHERE u.username_lc LIKE \(pattern) ESCAPE '\\' AND u.username_lc >
                \(after?.lowercased() ?? "")
             ORDER BY u.username_lc LIMIT \(limit)
            """
        ).decode(Self.account)
    }

    public func account(username: String) async throws -> Account? {
        try await database.query("SELECT \(raw: Self.accountColumns) FROM users u WHERE u.username_lc = \(username.lowercased())")
            .decodeFirst(Self.account)
    }

    public func setOperator(_ user: UserID, _ isOperator: Bool) async throws {
        try await database.execute("UPDATE users SET is_operator = \(isOperator) WHERE id = \(user)")
    }

    /// A new password; the account's web sessions end, so whoever knew the old one is signed out, and mailed reset
    /// links stop working.
    public func setPassword(of user: UserID, hash: String) async throws {
        try await database.transaction { tx in
            try await tx.execute("UPDATE users SET password_hash = \(hash) WHERE id = \(user)")
            try await tx.execute("DELETE FROM web_sessions WHERE user_id = \(user)")
            try await tx.execute(
                "DELETE FROM account_tokens WHERE user_id = \(user) AND purpose = \(AccountTokens.Purpose.resetPassword.rawValue) AND used_at IS NULL"
            )
        }
    }

    /// Every client (or the one `only` names), newest first, with how many users hold live tokens for it.
    public func clients(only: ClientRecordID? = nil) async throws -> [(client: Client, users: Int)] {
        let which: SQL = only.map { "WHERE c.id = \($0)" } ?? ""
        let columns = ClientStore.columns.split(separator: ", ").map { "c." + $0 }.joined(separator: ", ")
        return try await database.query(
            """
            SELECT \(raw: columns), (SELECT count(DISTINCT t.user_id) FROM access_tokens t WHERE t.client_ref = c.id AND t.revoked_at IS NULL)
              FROM clients c \(which) ORDER BY c.id DESC
            """
        ).decode { row in (try ClientStore.client(&row), Int(try row.int())) }
    }

    /// Lets a client use the password grant, or stops it.
    public func setTrusted(_ client: ClientRecordID, _ trusted: Bool) async throws {
        try await database.execute("UPDATE clients SET trusted = \(trusted) WHERE id = \(client)")
        await changes.grantsChanged()
    }

    /// Tokens of a user, of a client, or of both, newest first.
    public func tokens(user: UserID?, client: ClientRecordID?, includingRevoked: Bool) async throws -> [TokenRecord] {
        try await database.query(
            """
            SELECT t.id, t.user_id, u.username, c.client_id, t.scopes, t.created_at, t.revoked_at
              FROM access_tokens t JOIN users u ON u.id = t.user_id JOIN clients c ON c.id = t.client_ref
             WHERE \(Self.naming(user: user, client: client, alias: "t.")) \(raw: includingRevoked ? "" : "AND t.revoked_at IS NULL")
             ORDER BY t.id DESC
            """
        ).decode { row in
            TokenRecord(
                id: try row.int(),
                userID: try row.id(),
                username: try row.string(),
                clientID: try row.string(),
                scopes: try row.string(),
                createdAt: try row.int(),
                revokedAt: try row.optionalInt()
            )
        }
    }

    /// The tokens of the user, the client, or both (every token when neither is given).
    private static func naming(user: UserID?, client: ClientRecordID?, alias: String) -> SQL {
        let byUser: SQL = user.map { "\(raw: alias)user_id = \($0)" } ?? "1 = 1"
        let byClient: SQL = client.map { "\(raw: alias)client_ref = \($0)" } ?? "1 = 1"
        return "\(byUser) AND \(byClient)"
    }

    /// Revokes the live tokens of a user, of a client, or of both; answers how many.
    public func revokeTokens(user: UserID?, client: ClientRecordID?) async throws -> Int {
        let statement: SQL = """
            UPDATE access_tokens SET revoked_at = \(environment.nowSeconds)
             WHERE revoked_at IS NULL AND \(Self.naming(user: user, client: client, alias: ""))
            RETURNING id
            """
        let revoked = try await database.transaction { try await $0.query(statement).count }
        await changes.grantsChanged()
        return revoked
    }
}
