import DarkroomCore

/// The single-use tokens Darkroom mails: verifying an address, resetting a password. Only a token's hash is stored;
/// a token works once, until it expires, and a newer one of the same purpose replaces the older.
public struct AccountTokens: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    public enum Purpose: String, Sendable {
        case verifyEmail = "verify-email"
        case resetPassword = "reset-password"
        /// A sign-in whose password was right, waiting for its second factor (held in a cookie, never mailed).
        case secondFactor = "second-factor"

        /// How long a token works: a day to verify an address (mail can be slow to be read), an hour to reset, ten
        /// minutes to give a second factor.
        public var lifetime: Int64 {
            switch self {
            case .verifyEmail: 86_400
            case .resetPassword: 3600
            case .secondFactor: 600
            }
        }
    }

    /// Whose a token is, and the address it was sent to.
    public struct Holder: Sendable, Equatable {
        public var user: UserID
        public var email: String?
    }

    /// A new token for `user`, inside `tx`; earlier ones of the same purpose stop working.
    func issue(_ purpose: Purpose, for user: UserID, email: String?, in tx: any SQLExecutor) async throws -> String {
        try await revoke(purpose, of: user, in: tx)
        let token = environment.randomHex(bytes: 32)
        let now = environment.nowSeconds
        try await tx.execute(
            """
            INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, expires_at)
            VALUES (\(Hex.sha256(token)), \(user), \(purpose.rawValue), \(email), \(now), \(now + purpose.lifetime))
            """
        )
        return token
    }

    /// A new token of `purpose` for `user`, in a transaction of its own.
    public func issue(_ purpose: Purpose, for user: UserID) async throws -> String {
        try await database.transaction { tx in try await issue(purpose, for: user, email: nil, in: tx) }
    }

    /// Uses a live token: whose it was, once.
    public func redeem(_ token: String, for purpose: Purpose) async throws -> Holder? {
        try await database.transaction { tx in try await redeem(token, for: purpose, in: tx) }
    }

    /// Whose a live token is, without using it (the page that asks for a new password).
    public func holder(of token: String, for purpose: Purpose) async throws -> Holder? {
        guard Self.couldBeAToken(token) else { return nil }
        return try await database.query(
            """
            SELECT t.user_id, t.email FROM account_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = \(Hex.sha256(token)) AND t.purpose = \(purpose.rawValue) AND t.used_at IS NULL
               AND t.expires_at > \(environment.nowSeconds) AND u.suspended_at IS NULL
            """
        ).decodeFirst { row in Holder(user: try row.id(UserID.self), email: try row.optionalString()) }
    }

    /// Uses a live token inside `tx`: answers whose it was, once; nil for an unknown, used or expired token.
    func redeem(_ token: String, for purpose: Purpose, in tx: any SQLExecutor) async throws -> Holder? {
        guard Self.couldBeAToken(token) else { return nil }
        let now = environment.nowSeconds
        return try await tx.query(
            """
            UPDATE account_tokens SET used_at = \(now)
             WHERE token_hash = \(Hex.sha256(token)) AND purpose = \(purpose.rawValue) AND used_at IS NULL AND expires_at > \(now)
               AND user_id IN (SELECT id FROM users WHERE suspended_at IS NULL)
            RETURNING user_id, email
            """
        ).decodeFirst { row in Holder(user: try row.id(UserID.self), email: try row.optionalString()) }
    }

    /// Ends every unused token of `purpose` the user holds.
    func revoke(_ purpose: Purpose, of user: UserID, in tx: any SQLExecutor) async throws {
        try await tx.execute("DELETE FROM account_tokens WHERE user_id = \(user) AND purpose = \(purpose.rawValue) AND used_at IS NULL")
    }

    /// Forgets tokens that expired before `seconds` (the upkeep job).
    func prune(before seconds: Int64) async throws {
        try await database.execute("DELETE FROM account_tokens WHERE expires_at < \(seconds)")
    }

    static func couldBeAToken(_ token: String) -> Bool {
        token.utf8.count == 64 && token.utf8.allSatisfy(Hex.isDigit)
    }
}
