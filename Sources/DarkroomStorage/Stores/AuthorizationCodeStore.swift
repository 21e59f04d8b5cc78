import DarkroomCore

/// OAuth authorization codes: single use, ten minutes, bound to the client and redirect URI they were issued for, and
/// to a PKCE challenge when the request carried one. Stored only as hashes.
public struct AuthorizationCodeStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let changes: StoreChanges
    let tokens: TokenStore

    public static let lifetime: Int64 = 600

    public struct Grant: Sendable {
        public var client: ClientRecordID
        public var userID: UserID
        public var redirectURI: String
        public var scopes: Set<Scope>
        public var codeChallenge: String?

        public init(client: ClientRecordID, userID: UserID, redirectURI: String, scopes: Set<Scope>, codeChallenge: String?) {
            self.client = client
            self.userID = userID
            self.redirectURI = redirectURI
            self.scopes = scopes
            self.codeChallenge = codeChallenge
        }
    }

    /// What an exchange gives: the user, and the new token (made in the same transaction that used the code up).
    public enum Exchange: Sendable {
        case granted(user: UserID, token: String)
        /// Unknown, for another client or redirect URI, expired, with a wrong or missing PKCE verifier, or used before.
        case refused
    }

    public func issue(_ grant: Grant) async throws -> String {
        let code = environment.randomHex(bytes: 20)
        try await database.execute(
            """
            INSERT INTO authorization_codes (code_hash, client_ref, user_id, redirect_uri, scopes, code_challenge, created_at)
            VALUES (\(Hex.sha256(code)), \(grant.client), \(grant.userID), \(grant.redirectURI), \(Scope.render(grant.scopes)),
                    \(grant.codeChallenge), \(environment.nowSeconds))
            """
        )
        return code
    }

    /// Trades a code for a token. Only a request from the code's own client and redirect URI can use it up: anyone
    /// else is refused with no effect. A code its client presents a second time is refused, and the token the first
    /// use produced is revoked (RFC 6749 §4.1.2: the code may have been stolen). The claim and the new token commit
    /// together, so of two exchanges racing, one wins and the loser revokes what it won.
    public func exchange(_ code: String, client: Client, redirectURI: String, verifier: String?) async throws -> Exchange {
        guard code.utf8.count <= 200 else { return .refused }
        let hash = Hex.sha256(code)
        let now = environment.nowSeconds
        let (exchange, revoked) = try await database.transaction { tx -> (Exchange, revoked: Bool) in
            guard
                let row = try await tx.query(
                    """
                    SELECT client_ref, user_id, redirect_uri, scopes, code_challenge, created_at, used_at FROM authorization_codes
                     WHERE code_hash = \(hash)
                    """
                ).decodeFirst({ row in
                    (
                        client: try row.id(ClientRecordID.self), user: try row.id(UserID.self), redirectURI: try row.string(),
                        scopes: try row.string(),
                        challenge: try row.optionalString(), createdAt: try row.int(), usedAt: try row.optionalInt()
                    )
                }),
                row.client == client.ref, row.redirectURI == redirectURI
            else { return (.refused, false) }
            guard row.usedAt == nil else {
                try await tokens.revoke(issuedFor: hash, in: tx)
                return (.refused, true)
            }
            guard row.createdAt + Self.lifetime >= now else { return (.refused, false) }
            switch (row.challenge, verifier) {
            case (let challenge?, let verifier?): guard PKCE.verifies(verifier, challenge: challenge) else { return (.refused, false) }
            case (nil, nil): break
            default: return (.refused, false)  // a challenge without a verifier, or a verifier the authorize request never committed to
            }
            let claimed = try await tx.query(
                "UPDATE authorization_codes SET used_at = \(now) WHERE code_hash = \(hash) AND used_at IS NULL RETURNING 1"
            )
            guard !claimed.isEmpty else {
                try await tokens.revoke(issuedFor: hash, in: tx)
                return (.refused, true)
            }
            let user = row.user
            let token = try await tokens.insert(userID: user, client: client, scopes: Scope.parseList(row.scopes).scopes, code: code, in: tx)
            return (.granted(user: user, token: token), false)
        }
        if revoked { await changes.grantsChanged() }
        return exchange
    }
}
