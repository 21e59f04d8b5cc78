import DarkroomCore

/// Passkeys: the credentials people registered, and the single-use challenges browsers sign. A challenge is kept
/// by its hash for five minutes and works once; a passkey's counter moves only forward, in the statement that checks it.
public struct PasskeyStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let log: SecurityLog

    public static let challengeLifetime: Int64 = 300
    /// The most passkeys one person may register.
    public static let perPerson = 20

    public enum Purpose: String, Sendable {
        case register
        /// Signing in with a passkey alone (discoverable: the browser says whose).
        case signIn = "sign-in"
        /// A passkey as the second factor of a sign-in whose password was right.
        case secondFactor = "second-factor"
    }

    /// A new challenge, base64url, for `user` (nil for a passkey sign-in, which names no one yet).
    public func challenge(_ purpose: Purpose, for user: UserID?) async throws -> String {
        let challenge = Base64URL.encode(environment.randomBytes(32))
        let now = environment.nowSeconds
        try await database.transaction { tx in
            try await tx.execute("DELETE FROM webauthn_challenges WHERE expires_at < \(now)")
            try await tx.execute(
                """
                INSERT INTO webauthn_challenges (challenge_hash, user_id, purpose, expires_at)
                VALUES (\(Hex.sha256(challenge)), \(user), \(purpose.rawValue), \(now + Self.challengeLifetime))
                """
            )
        }
        return challenge
    }

    /// Uses a challenge a browser signed: true once, while it lives, for the purpose and person it was made for.
    public func redeem(_ challenge: String, _ purpose: Purpose, for user: UserID?) async throws -> Bool {
        guard challenge.utf8.count <= 128 else { return false }
        let whose: SQL = user.map { "AND user_id = \($0)" } ?? "AND user_id IS NULL"
        return try await database.transaction { tx in
            try await !tx.query(
                """
                DELETE FROM webauthn_challenges
                 WHERE challenge_hash = \(Hex.sha256(challenge)) AND purpose = \(purpose.rawValue) \(whose)
                   AND expires_at >= \(environment.nowSeconds)
                RETURNING purpose
                """
            ).isEmpty
        }
    }

    /// One registered passkey.
    public struct Passkey: Sendable, Equatable {
        public var user: UserID
        public var credential: WebAuthn.Credential
        public var name: String
        public var createdAt: Int64
        public var lastUsedAt: Int64?
    }

    public func register(_ credential: WebAuthn.Credential, name: String, for user: UserID, from origin: SecurityLog.Origin) async throws {
        try await database.transaction { tx in
            let count = try await tx.query("SELECT COUNT(*) FROM passkeys WHERE user_id = \(user)").decodeFirst { try $0.int() } ?? 0
            guard count < Self.perPerson else { throw DomainError.invalidInput(field: "passkey", reason: "at most \(Self.perPerson) passkeys") }
            do {
                try await tx.execute(
                    """
                    INSERT INTO passkeys (credential_id, user_id, public_key, algorithm, sign_count, name, created_at)
                    VALUES (\(Base64URL.encode(credential.id)), \(user), \(Hex.encode(credential.publicKey)), \(credential.algorithm),
                            \(Int64(credential.signCount)), \(name), \(environment.nowSeconds))
                    """
                )
            } catch DatabaseError.uniqueViolation {
                throw DomainError.invalidInput(field: "passkey", reason: "this passkey is registered already")
            }
            try await log.record(.passkeyAdded, user: user, from: origin, detail: name, in: tx)
        }
    }

    public func passkeys(of user: UserID) async throws -> [Passkey] {
        try await database.query(
            """
            SELECT user_id, credential_id, public_key, algorithm, sign_count, name, created_at, last_used_at FROM passkeys
             WHERE user_id = \(user) ORDER BY created_at
            """
        ).decode(Self.passkey)
    }

    /// The passkey with this credential id (base64url), whoever's it is.
    public func find(_ credentialID: String) async throws -> Passkey? {
        guard credentialID.utf8.count <= 1400 else { return nil }
        return try await database.query(
            """
            SELECT user_id, credential_id, public_key, algorithm, sign_count, name, created_at, last_used_at FROM passkeys
             WHERE credential_id = \(credentialID)
            """
        ).decodeFirst(Self.passkey)
    }

    /// Records a use: the counter moves from `old` to `new` only if no other use moved it meanwhile.
    public func recordUse(_ credentialID: String, from old: UInt32, to new: UInt32) async throws -> Bool {
        try await database.transaction { tx in
            try await !tx.query(
                """
                UPDATE passkeys SET sign_count = \(Int64(new)), last_used_at = \(environment.nowSeconds)
                 WHERE credential_id = \(credentialID) AND sign_count = \(Int64(old)) RETURNING user_id
                """
            ).isEmpty
        }
    }

    public func delete(_ credentialID: String, of user: UserID, from origin: SecurityLog.Origin) async throws {
        try await database.transaction { tx in
            let removed = try await tx.query("DELETE FROM passkeys WHERE credential_id = \(credentialID) AND user_id = \(user) RETURNING name")
                .decodeFirst { try $0.string() }
            if let removed { try await log.record(.passkeyRemoved, user: user, from: origin, detail: removed, in: tx) }
        }
    }

    private static func passkey(_ row: inout Row) throws -> Passkey {
        let user = try row.id(UserID.self)
        let id = Base64URL.decode(try row.string()) ?? []
        let key = Hex.decode(try row.string()) ?? []
        let credential = WebAuthn.Credential(id: id, publicKey: key, algorithm: try row.int(), signCount: UInt32(clamping: try row.int()))
        return Passkey(user: user, credential: credential, name: try row.string(), createdAt: try row.int(), lastUsedAt: try row.optionalInt())
    }
}
