import DarkroomCore

/// Access tokens. Only their SHA-256 hashes are stored; the token itself is shown once, when made.
public struct TokenStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// Makes a token shaped like the platform's: `{user_id}.{7 hex of the client}.{32 random hex}`.
    public func create(userID: UserID, client: Client, scopes: Set<Scope>) async throws -> String {
        let token = "\(userID).\(client.clientID.prefix(7)).\(environment.randomHex(bytes: 16))"
        try await database.execute("""
            INSERT INTO access_tokens (id, token_hash, user_id, client_ref, scopes, created_at)
            VALUES (\(environment.ids.next()), \(Hex.sha256(token)), \(userID), \(client.ref), \(Scope.render(scopes.union([.basic]))),
                    \(environment.nowSeconds))
            """)
        return token
    }

    /// What a presented token grants, or nil if it is unknown or revoked.
    public func resolve(_ token: String) async throws -> AccessGrant? {
        guard !token.isEmpty, token.utf8.count <= 200 else { return nil }
        let rows = try await database.lookup("""
            SELECT t.id, t.user_id, t.client_ref, t.scopes,
                   EXISTS (SELECT 1 FROM blocks WHERE blocker_id = t.user_id) OR EXISTS (SELECT 1 FROM blocks WHERE blocked_id = t.user_id)
              FROM access_tokens t WHERE t.token_hash = \(Hex.sha256(token)) AND t.revoked_at IS NULL
            """)
        return rows.first.map { row in
            AccessGrant(
                tokenID: row.id(0), userID: row.id(1), clientRef: row.id(2), scopes: Scope.parseList(row.string(3)).scopes,
                involvedInBlocks: row.bool(4))
        }
    }
}
