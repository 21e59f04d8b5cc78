import DarkroomCore

/// Access tokens. Only their SHA-256 hashes are searched; a sealed copy (`TokenSeal`, its key outside the database)
/// lets a new grant for the same person, app and scopes hand back the live token instead of minting another.
public struct TokenStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let changes: StoreChanges
    let seal: TokenSeal?

    /// Makes a token shaped like the platform's: `{user_id}.{7 hex of the client}.{32 random hex}`. A token made for an
    /// authorization code records it (hashed), so that a second use of that code can revoke it. A grant hands back the
    /// live token for the same person, app and scopes when there is one; `fresh` (an operator's `token create`) always
    /// makes a new one.
    public func create(userID: UserID, client: Client, scopes: Set<Scope>, fresh: Bool = false) async throws -> String {
        try await insert(userID: userID, client: client, scopes: scopes, code: nil, fresh: fresh, in: database)
    }

    func insert(
        userID: UserID,
        client: Client,
        scopes: Set<Scope>,
        code: String?,
        fresh: Bool = false,
        in executor: any SQLExecutor
    ) async throws -> String {
        let rendered = Scope.render(scopes.union([.basic]))
        if let seal, !fresh {
            let live = try await executor.query(
                """
                SELECT id, token_sealed FROM access_tokens
                 WHERE user_id = \(userID) AND client_ref = \(client.ref) AND scopes = \(rendered) AND revoked_at IS NULL
                   AND token_sealed IS NOT NULL
                 ORDER BY id DESC LIMIT 1
                """
            ).decodeFirst { row in (id: try row.int(), sealed: try row.string()) }
            if let live, let token = seal.open(live.sealed, id: live.id) {
                // The newest code it was handed out for is the one whose replay revokes it.
                if let code { try await executor.execute("UPDATE access_tokens SET code_hash = \(Hex.sha256(code)) WHERE id = \(live.id)") }
                return token
            }
        }
        let token = "\(userID).\(client.clientID.prefix(7)).\(environment.randomHex(bytes: 16))"
        let id = environment.ids.next()
        try await executor.execute(
            """
            INSERT INTO access_tokens (id, token_hash, user_id, client_ref, scopes, created_at, code_hash, token_sealed)
            VALUES (\(id), \(Hex.sha256(token)), \(userID), \(client.ref), \(rendered), \(environment.nowSeconds), \(code.map(Hex.sha256)),
                    \(seal?.seal(token, id: id)))
            """
        )
        return token
    }

    /// The scopes the user's live tokens for `client` grant together: what the app may do without asking again.
    public func grantedScopes(of user: UserID, to client: ClientRecordID) async throws -> Set<Scope> {
        let rows = try await database.query(
            "SELECT scopes FROM access_tokens WHERE user_id = \(user) AND client_ref = \(client) AND revoked_at IS NULL"
        ).decode { try $0.string() }
        return rows.reduce(into: Set<Scope>()) { $0.formUnion(Scope.parseList($1).scopes) }
    }

    /// What a presented token grants, read from the database, or nil if it is unknown or revoked. Requests go
    /// through `Storage.grants`, which keeps what this answers.
    public func resolve(_ token: String) async throws -> AccessGrant? {
        guard Self.couldBeAToken(token) else { return nil }
        let rows = try await database.lookup(
            """
            SELECT t.id, t.user_id, t.client_ref, t.scopes,
                   EXISTS (SELECT 1 FROM blocks WHERE blocker_id = t.user_id) OR EXISTS (SELECT 1 FROM blocks WHERE blocked_id = t.user_id),
                   c.client_secret, c.enforce_signed, c.enforce_signed_header
              FROM access_tokens t JOIN clients c ON c.id = t.client_ref JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = \(Hex.sha256(token)) AND t.revoked_at IS NULL AND \(Visibility.present("u"))
            """
        )
        return try rows.decodeFirst { row in
            AccessGrant(
                tokenID: try row.id(),
                userID: try row.id(),
                clientRef: try row.id(),
                scopes: Scope.parseList(try row.string()).scopes,
                involvedInBlocks: try row.bool(),
                clientSecret: try row.string(),
                enforceSigned: try row.bool(),
                enforceSignedHeader: try row.bool()
            )
        }
    }

    /// An app a user has let in: the client, the scopes granted across its live tokens, and since when.
    public struct AuthorizedApp: Sendable {
        public var client: Client
        public var scopes: Set<Scope>
        public var since: Int64
    }

    /// The clients holding live tokens for a user, most recent first.
    public func authorizedApps(of user: UserID) async throws -> [AuthorizedApp] {
        let columns = ClientStore.columns.split(separator: ", ").map { "c." + $0 }.joined(separator: ", ")
        let rows = try await database.query(
            """
            SELECT t.scopes, t.created_at, \(raw: columns) FROM access_tokens t JOIN clients c ON c.id = t.client_ref
             WHERE t.user_id = \(user) AND t.revoked_at IS NULL ORDER BY t.created_at DESC, t.id DESC
            """
        )
        var apps: [AuthorizedApp] = []
        let grants = try rows.decode { row in
            (scopes: Scope.parseList(try row.string()).scopes, since: try row.int(), client: try ClientStore.client(&row))
        }
        for grant in grants {
            if let index = apps.firstIndex(where: { $0.client.ref == grant.client.ref }) {
                apps[index].scopes.formUnion(grant.scopes)
            } else {
                apps.append(AuthorizedApp(client: grant.client, scopes: grant.scopes, since: grant.since))
            }
        }
        return apps
    }

    /// Whether `token` is worth looking up at all (no token Darkroom makes is empty or longer than this).
    static func couldBeAToken(_ token: String) -> Bool { !token.isEmpty && token.utf8.count <= 200 }

    /// Revokes every token a client holds for a user; the next call with any of them fails.
    public func revoke(user: UserID, client: ClientRecordID) async throws {
        try await database.execute(
            """
            UPDATE access_tokens SET revoked_at = \(environment.nowSeconds) WHERE user_id = \(user) AND client_ref = \(client) AND revoked_at IS NULL
            """
        )
        await changes.grantsChanged()
    }

    /// Revokes the tokens an authorization code was exchanged for (when someone presents that code again).
    /// The caller says `changes.grantsChanged()` once its transaction has committed.
    func revoke(issuedFor codeHash: String, in tx: any SQLExecutor) async throws {
        try await tx.execute("UPDATE access_tokens SET revoked_at = \(environment.nowSeconds) WHERE code_hash = \(codeHash) AND revoked_at IS NULL")
    }
}
