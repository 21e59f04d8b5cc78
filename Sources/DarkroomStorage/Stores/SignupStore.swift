import DarkroomCore

/// What governs sign-up: the operators' settings (kept in `site_settings`, over the defaults `serve` was started
/// with), invitation links, and the sign-ups waiting for an operator's approval.
public struct SignupStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    // MARK: Settings

    /// The policy in force: what operators saved in `/admin`, else `defaults` (the `serve` flags).
    public func policy(defaults: SignupPolicy) async throws -> SignupPolicy {
        let saved = try await database.query("SELECT name, value FROM site_settings WHERE name LIKE 'signup.%'")
            .decode { row in (try row.string(), try row.string()) }
        let values = Dictionary(saved, uniquingKeysWith: { $1 })
        return SignupPolicy(
            mode: values["signup.mode"].flatMap(SignupPolicy.Mode.init(rawValue:)) ?? defaults.mode,
            membersMayInvite: values["signup.members_may_invite"].map { $0 == "1" } ?? defaults.membersMayInvite,
            requiresEmail: values["signup.requires_email"].map { $0 == "1" } ?? defaults.requiresEmail,
            blockedEmailDomains: values["signup.blocked_email_domains"].map { $0.split(separator: "\n").map(String.init) }
                ?? defaults.blockedEmailDomains
        )
    }

    public func save(_ policy: SignupPolicy) async throws {
        let values = [
            ("signup.mode", policy.mode.rawValue), ("signup.members_may_invite", policy.membersMayInvite ? "1" : "0"),
            ("signup.requires_email", policy.requiresEmail ? "1" : "0"),
            ("signup.blocked_email_domains", policy.blockedEmailDomains.joined(separator: "\n")),
        ]
        try await database.transaction { tx in
            for (name, value) in values {
                try await tx.execute(
                    "INSERT INTO site_settings (name, value) VALUES (\(name), \(value)) ON CONFLICT (name) DO UPDATE SET value = excluded.value"
                )
            }
        }
    }

    // MARK: Invitations

    public struct Invite: Sendable, Equatable {
        public var id: Int64
        public var code: String
        /// Who made it; nil for an operator's command.
        public var creator: String?
        public var createdAt: Int64
        public var expiresAt: Int64
        public var maxUses: Int64
        public var uses: Int64
        public var revoked: Bool

        public func isLive(at now: Int64) -> Bool { !revoked && uses < maxUses && expiresAt > now }
    }

    /// The most uses and days an invitation may have.
    public static let inviteLimits = (uses: Int64(100), days: Int64(90))

    public func createInvite(by creator: UserID?, maxUses: Int64, days: Int64) async throws -> Invite {
        let now = environment.nowSeconds
        let id = environment.ids.next()
        let code = environment.randomHex(bytes: 12)
        let uses = min(max(maxUses, 1), Self.inviteLimits.uses)
        let expires = now + min(max(days, 1), Self.inviteLimits.days) * 86_400
        try await database.execute(
            """
            INSERT INTO invites (id, code, created_by, created_at, expires_at, max_uses)
            VALUES (\(id), \(code), \(creator), \(now), \(expires), \(uses))
            """
        )
        return Invite(id: id, code: code, creator: nil, createdAt: now, expiresAt: expires, maxUses: uses, uses: 0, revoked: false)
    }

    /// Invitations made by `creator`, or all of them (for operators) when nil; newest first.
    public func invites(by creator: UserID?, limit: Int = 200) async throws -> [Invite] {
        let mine: SQL = creator.map { "WHERE i.created_by = \($0)" } ?? ""
        return try await database.query(
            """
            SELECT i.id, i.code, u.username, i.created_at, i.expires_at, i.max_uses, i.uses, i.revoked_at IS NOT NULL
              FROM invites i LEFT JOIN users u ON u.id = i.created_by \(mine) ORDER BY i.id DESC LIMIT \(limit)
            """
        ).decode(Self.invite)
    }

    /// The invitation with this code, while it may be used.
    public func liveInvite(_ code: String) async throws -> Invite? {
        guard code.utf8.count == 24 else { return nil }
        let invite = try await database.query(
            """
            SELECT i.id, i.code, u.username, i.created_at, i.expires_at, i.max_uses, i.uses, i.revoked_at IS NOT NULL
              FROM invites i LEFT JOIN users u ON u.id = i.created_by WHERE i.code = \(code)
            """
        ).decodeFirst(Self.invite)
        return invite?.isLive(at: environment.nowSeconds) == true ? invite : nil
    }

    /// Stops an invitation: its maker's own, or any (`by` nil, an operator).
    public func revokeInvite(_ id: Int64, by creator: UserID?) async throws {
        let mine: SQL = creator.map { "AND created_by = \($0)" } ?? ""
        try await database.execute("UPDATE invites SET revoked_at = \(environment.nowSeconds) WHERE id = \(id) \(mine) AND revoked_at IS NULL")
    }

    /// Uses one of the invitation's uses inside `tx`; false when it has none left, expired or was revoked.
    func claim(_ code: String, in tx: any SQLExecutor) async throws -> Bool {
        try await !tx.query(
            """
            UPDATE invites SET uses = uses + 1
             WHERE code = \(code) AND uses < max_uses AND expires_at > \(environment.nowSeconds) AND revoked_at IS NULL RETURNING id
            """
        ).isEmpty
    }

    private static func invite(_ row: inout Row) throws -> Invite {
        Invite(
            id: try row.int(),
            code: try row.string(),
            creator: try row.optionalString(),
            createdAt: try row.int(),
            expiresAt: try row.int(),
            maxUses: try row.int(),
            uses: try row.int(),
            revoked: try row.bool()
        )
    }

    // MARK: Sign-ups waiting for approval

    public struct Request: Sendable, Equatable {
        public var user: UserID
        public var username: String
        public var email: String
        public var reason: String
        public var createdAt: Int64
    }

    /// Sign-ups waiting for an operator, oldest first.
    public func requests(limit: Int = 200) async throws -> [Request] {
        try await database.query(
            """
            SELECT id, username, coalesce(email, ''), coalesce(signup_reason, ''), created_at FROM users
             WHERE awaiting_approval = 1 ORDER BY id LIMIT \(limit)
            """
        ).decode { row in
            Request(user: try row.id(), username: try row.string(), email: try row.string(), reason: try row.string(), createdAt: try row.int())
        }
    }

    /// Whether `username`'s sign-up waits for approval and `password` is its own: only then may the log-in page say so.
    public func isAwaitingApproval(username: String, password: String) async throws -> Bool {
        let hash =
            try await database.query(
                "SELECT password_hash FROM users WHERE username_lc = \(username.lowercased()) AND awaiting_approval = 1"
            ).decodeFirst { try $0.optionalString() } ?? nil
        guard let hash else { return false }
        return await PasswordHasher.verify(password, hash: hash)
    }
}
