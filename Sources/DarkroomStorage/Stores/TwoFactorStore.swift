import DarkroomCore

/// Two-factor sign-in with an authenticator app (TOTP) and recovery codes. A new secret waits until a first code from
/// the app comes back, and only then replaces the one in force; every code works once (the last step used is kept,
/// and a code must be of a later step); recovery codes are stored hashed and work once.
public struct TwoFactorStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let log: SecurityLog

    public static let recoveryCodeCount = 10
    /// How long a secret shown for scanning waits for its first code.
    public static let pendingLifetime: Int64 = 3600

    /// What a person's settings show.
    public struct Status: Sendable, Equatable {
        public var authenticator: Bool
        public var recoveryCodesLeft: Int
        public var passkeys: Int

        /// Whether a password alone is not enough: an authenticator app or a passkey is needed too.
        public var isEnabled: Bool { authenticator || passkeys > 0 }
    }

    public func status(of user: UserID) async throws -> Status {
        try await database.query(
            """
            SELECT EXISTS (SELECT 1 FROM totp_secrets WHERE user_id = \(user) AND confirmed_at IS NOT NULL),
                   (SELECT COUNT(*) FROM recovery_codes WHERE user_id = \(user) AND used_at IS NULL),
                   (SELECT COUNT(*) FROM passkeys WHERE user_id = \(user))
            """
        ).decodeFirst { row in Status(authenticator: try row.bool(), recoveryCodesLeft: Int(try row.int()), passkeys: Int(try row.int())) }
            ?? Status(authenticator: false, recoveryCodesLeft: 0, passkeys: 0)
    }

    /// Whether signing in needs a second factor: an authenticator app or a passkey.
    public func isEnabled(for user: UserID) async throws -> Bool {
        try await status(of: user).isEnabled
    }

    /// A new secret to scan, waiting for its first code; it replaces any other waiting one, not the one in force.
    public func begin(for user: UserID) async throws -> [UInt8] {
        let secret = environment.randomBytes(20)
        let now = environment.nowSeconds
        try await database.execute(
            """
            INSERT INTO totp_secrets (user_id, pending_secret, pending_at) VALUES (\(user), \(Base32.encode(secret)), \(now))
            ON CONFLICT (user_id) DO UPDATE SET pending_secret = excluded.pending_secret, pending_at = excluded.pending_at
            """
        )
        return secret
    }

    /// The secret waiting for its first code, while it may.
    public func pending(for user: UserID) async throws -> [UInt8]? {
        let text = try await database.query(
            """
            SELECT pending_secret FROM totp_secrets
             WHERE user_id = \(user) AND pending_secret IS NOT NULL AND pending_at > \(environment.nowSeconds - Self.pendingLifetime)
            """
        ).decodeFirst { try $0.string() }
        return text.flatMap(Base32.decode)
    }

    /// Puts the waiting secret in force when `code` is its; answers new recovery codes (the old ones stop working),
    /// shown once. Nil for a wrong code or no waiting secret.
    public func confirm(for user: UserID, code: String, from origin: SecurityLog.Origin) async throws -> [String]? {
        guard let secret = try await pending(for: user),
            let step = TOTP.matchingStep(of: code, secret: secret, atSeconds: environment.nowSeconds)
        else { return nil }
        let codes = newRecoveryCodes()
        let confirmed = try await database.transaction { tx -> Bool in
            let updated = try await tx.query(
                """
                UPDATE totp_secrets SET secret = pending_secret, confirmed_at = \(environment.nowSeconds), last_step = \(step),
                       pending_secret = NULL, pending_at = NULL
                 WHERE user_id = \(user) AND pending_secret = \(Base32.encode(secret))
                RETURNING user_id
                """
            )
            guard !updated.isEmpty else { return false }
            try await replaceRecoveryCodes(of: user, with: codes, in: tx)
            try await log.record(.twoFactorEnabled, user: user, from: origin, in: tx)
            return true
        }
        return confirmed ? codes : nil
    }

    /// Whether `code` is the authenticator's for now and no code of its step or a later one was used before.
    public func verify(_ code: String, for user: UserID) async throws -> Bool {
        let secret = try await database.query(
            "SELECT secret FROM totp_secrets WHERE user_id = \(user) AND confirmed_at IS NOT NULL"
        ).decodeFirst { try $0.string() }
        guard let secret, let bytes = Base32.decode(secret),
            let step = TOTP.matchingStep(of: code, secret: bytes, atSeconds: environment.nowSeconds)
        else { return false }
        // Of two sign-ins racing with one code, one moves the step and the other finds it moved.
        return try await database.transaction { tx in
            try await tx.query(
                "UPDATE totp_secrets SET last_step = \(step) WHERE user_id = \(user) AND last_step < \(step) RETURNING user_id"
            ).count == 1
        }
    }

    /// Uses a recovery code (any letter case, with or without its dash); false when it is not one of the user's
    /// unused ones.
    public func useRecoveryCode(_ typed: String, for user: UserID, from origin: SecurityLog.Origin) async throws -> Bool {
        let normalized = typed.lowercased().filter { $0.isLetter || $0.isNumber }
        guard normalized.count == 10 else { return false }
        return try await database.transaction { tx in
            let used = try await tx.query(
                """
                UPDATE recovery_codes SET used_at = \(environment.nowSeconds)
                 WHERE code_hash = \(Hex.sha256(normalized)) AND user_id = \(user) AND used_at IS NULL RETURNING user_id
                """
            )
            guard !used.isEmpty else { return false }
            try await log.record(.recoveryCodeUsed, user: user, from: origin, in: tx)
            return true
        }
    }

    /// Recovery codes for someone whose first second factor this is (a passkey): nil when they have some already.
    public func firstRecoveryCodes(for user: UserID) async throws -> [String]? {
        let codes = newRecoveryCodes()
        return try await database.transaction { tx -> [String]? in
            let existing = try await tx.query("SELECT COUNT(*) FROM recovery_codes WHERE user_id = \(user)").decodeFirst { try $0.int() } ?? 0
            guard existing == 0 else { return nil }
            try await replaceRecoveryCodes(of: user, with: codes, in: tx)
            return codes
        }
    }

    /// New recovery codes, the old ones void; shown once.
    public func regenerateRecoveryCodes(for user: UserID, from origin: SecurityLog.Origin) async throws -> [String] {
        let codes = newRecoveryCodes()
        try await database.transaction { tx in
            try await replaceRecoveryCodes(of: user, with: codes, in: tx)
            try await log.record(.recoveryCodesRenewed, user: user, from: origin, in: tx)
        }
        return codes
    }

    /// Forgets the authenticator app, and the recovery codes unless a passkey still needs them.
    public func disable(for user: UserID, from origin: SecurityLog.Origin) async throws {
        try await database.transaction { tx in
            try await tx.execute("DELETE FROM totp_secrets WHERE user_id = \(user)")
            try await tx.execute(
                "DELETE FROM recovery_codes WHERE user_id = \(user) AND NOT EXISTS (SELECT 1 FROM passkeys WHERE user_id = \(user))"
            )
            try await log.record(.twoFactorDisabled, user: user, from: origin, in: tx)
        }
    }

    private func replaceRecoveryCodes(of user: UserID, with codes: [String], in tx: any SQLExecutor) async throws {
        try await tx.execute("DELETE FROM recovery_codes WHERE user_id = \(user)")
        for code in codes {
            let normalized = code.filter { $0 != "-" }
            try await tx.execute(
                "INSERT INTO recovery_codes (code_hash, user_id, created_at) VALUES (\(Hex.sha256(normalized)), \(user), \(environment.nowSeconds))"
            )
        }
    }

    private func newRecoveryCodes() -> [String] { (0..<Self.recoveryCodeCount).map { _ in recoveryCode() } }

    /// Ten letters and digits (50 bits), shown as two groups of five.
    private func recoveryCode() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        let letters = environment.randomBytes(10).map { alphabet[Int($0) % alphabet.count] }
        return String(letters[0..<5]) + "-" + String(letters[5..<10])
    }
}
