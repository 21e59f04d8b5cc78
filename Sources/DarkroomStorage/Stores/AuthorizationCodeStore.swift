import DarkroomCore

/// OAuth authorization codes: single use, ten minutes, bound to the client and redirect URI they were issued for, and
/// to a PKCE challenge when the request carried one. Stored only as hashes.
public struct AuthorizationCodeStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

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

    public enum Redemption: Sendable {
        case granted(Grant)
        /// Unknown, expired, for another client or redirect URI, or used before (whose tokens are now revoked).
        case refused
    }

    public func issue(_ grant: Grant) async throws -> String {
        let code = environment.randomHex(bytes: 20)
        try await database.execute("""
            INSERT INTO authorization_codes (code_hash, client_ref, user_id, redirect_uri, scopes, code_challenge, code_challenge_method, created_at)
            VALUES (\(Hex.sha256(code)), \(grant.client), \(grant.userID), \(grant.redirectURI), \(Scope.render(grant.scopes)),
                    \(grant.codeChallenge), \(grant.codeChallenge == nil ? nil : "S256"), \(environment.nowSeconds))
            """)
        return code
    }

    /// Marks a code used and answers what it grants. A code presented a second time revokes the tokens the first use
    /// produced (RFC 6749 §4.1.2: it may have been stolen).
    public func redeem(_ code: String, client: ClientRecordID, redirectURI: String) async throws -> Redemption {
        guard code.utf8.count <= 200 else { return .refused }
        let hash = Hex.sha256(code)
        let now = environment.nowSeconds
        return try await database.transaction { tx -> Redemption in
            let claimed = try await tx.query("""
                UPDATE authorization_codes SET used_at = \(now) WHERE code_hash = \(hash) AND used_at IS NULL
                RETURNING client_ref, user_id, redirect_uri, scopes, code_challenge, created_at
                """).first
            guard let claimed else {
                try await TokenStore(database: database, environment: environment).revoke(issuedFor: hash, in: tx)
                return .refused
            }
            let grant = Grant(
                client: claimed.id(0), userID: claimed.id(1), redirectURI: claimed.string(2), scopes: Scope.parseList(claimed.string(3)).scopes,
                codeChallenge: claimed.optionalString(4))
            guard grant.client == client, grant.redirectURI == redirectURI, claimed.int(5) + Self.lifetime >= now else { return .refused }
            return .granted(grant)
        }
    }
}
