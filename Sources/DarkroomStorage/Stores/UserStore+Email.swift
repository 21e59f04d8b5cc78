import DarkroomCore

/// A person's email address, as their settings show it.
public struct AccountEmail: Sendable, Equatable {
    public var address: String
    public var isVerified: Bool
}

/// An account a mail goes to, at its own address (as stored, whatever letter case it was asked for in).
public struct EmailedAccount: Sendable {
    public var id: UserID
    public var username: String
    public var email: String
}

extension UserStore {
    /// The user's address, verified or not; nil when they gave none.
    public func email(of user: UserID) async throws -> AccountEmail? {
        try await email(of: user, in: database)
    }

    func email(of user: UserID, in tx: any SQLExecutor) async throws -> AccountEmail? {
        try await tx.query("SELECT email, email_verified_at FROM users WHERE id = \(user) AND email IS NOT NULL").decodeFirst { row in
            AccountEmail(address: try row.string(), isVerified: try row.optionalInt() != nil)
        }
    }

    /// Sets the user's address inside `tx`; `verifiedAt` nil for one not yet verified, and nil `address` for none.
    func setEmail(_ address: String?, verifiedAt: Int64?, of user: UserID, in tx: any SQLExecutor) async throws {
        try await tx.execute(
            """
            UPDATE users SET email = \(address), email_lc = \(address?.lowercased()), email_verified_at = \(verifiedAt) WHERE id = \(user)
            """
        )
    }

    /// The accounts, not suspended, whose verified address is `address` (in any letter case): where a password reset
    /// may be sent. Several accounts may share an address.
    public func accounts(withVerifiedEmail address: String) async throws -> [EmailedAccount] {
        try await database.query(
            """
            SELECT id, username, email FROM users
             WHERE email_lc = \(address.lowercased()) AND email_verified_at IS NOT NULL AND suspended_at IS NULL
             ORDER BY id LIMIT 10
            """
        ).decode { row in EmailedAccount(id: try row.id(UserID.self), username: try row.string(), email: try row.string()) }
    }

    /// Whether `password` is the user's.
    public func checkPassword(_ password: String, of user: UserID) async throws -> Bool {
        let hash = try await database.query("SELECT password_hash FROM users WHERE id = \(user)").decodeFirst { try $0.optionalString() } ?? nil
        guard let hash else {
            await PasswordHasher.verifyNothing(password)
            return false
        }
        return await PasswordHasher.verify(password, hash: hash)
    }
}
