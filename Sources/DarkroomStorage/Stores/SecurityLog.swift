import DarkroomCore

/// What happened to each account's security — sign-ins and failed attempts, password, email and two-factor changes,
/// sessions ended — for its owner to read in settings and in their data download. Written in the transaction of the
/// change it records where there is one.
public struct SecurityLog: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// How long entries are kept.
    public static let retentionDays: Int64 = 365

    public enum Kind: String, Sendable, CaseIterable {
        case signedIn = "signed-in"
        case signInFailed = "sign-in-failed"
        case passwordChanged = "password-changed"
        case passwordReset = "password-reset"
        case passwordResetRequested = "password-reset-requested"
        case emailAdded = "email-added"
        case emailVerified = "email-verified"
        case emailChanged = "email-changed"
        case sessionEnded = "session-ended"
        case appsSignedOut = "apps-signed-out"
        case twoFactorEnabled = "two-factor-enabled"
        case twoFactorDisabled = "two-factor-disabled"
        case recoveryCodeUsed = "recovery-code-used"
        case recoveryCodesRenewed = "recovery-codes-renewed"
        case secondFactorFailed = "second-factor-failed"
        case passkeyAdded = "passkey-added"
        case passkeyRemoved = "passkey-removed"
        case passkeyFailed = "passkey-failed"

        /// How the settings page says it.
        public var description: String {
            switch self {
            case .signedIn: "Signed in"
            case .signInFailed: "Wrong password given"
            case .passwordChanged: "Password changed"
            case .passwordReset: "Password reset by email"
            case .passwordResetRequested: "Password reset asked for"
            case .emailAdded: "Email address added"
            case .emailVerified: "Email address verified"
            case .emailChanged: "Email address changed"
            case .sessionEnded: "Signed out elsewhere"
            case .appsSignedOut: "Apps signed out"
            case .twoFactorEnabled: "Two-factor sign-in turned on"
            case .twoFactorDisabled: "Two-factor sign-in turned off"
            case .recoveryCodeUsed: "Signed in with a recovery code"
            case .recoveryCodesRenewed: "New recovery codes made"
            case .secondFactorFailed: "Wrong two-factor code given"
            case .passkeyAdded: "Passkey added"
            case .passkeyRemoved: "Passkey removed"
            case .passkeyFailed: "A passkey sign-in was refused"
            }
        }
    }

    public struct Entry: Sendable, Equatable {
        public var kind: Kind
        /// The network address the request came from.
        public var address: String
        /// What else says what happened (the device, an address changed to).
        public var detail: String
        public var createdAt: Int64
    }

    /// Where an event came from: a person's request, by its address and device.
    public struct Origin: Sendable {
        public var address: String
        public var device: String

        public init(address: String, device: String) {
            self.address = address
            self.device = device
        }
    }

    public func record(_ kind: Kind, user: UserID, from origin: Origin, detail: String? = nil) async throws {
        try await database.transaction { tx in try await record(kind, user: user, from: origin, detail: detail, in: tx) }
    }

    func record(_ kind: Kind, user: UserID, from origin: Origin, detail: String? = nil, in tx: any SQLExecutor) async throws {
        try await tx.execute(
            """
            INSERT INTO security_events (id, user_id, kind, address, detail, created_at)
            VALUES (\(environment.ids.next()), \(user), \(kind.rawValue), \(String(origin.address.prefix(64))),
                    \(String((detail ?? origin.device).prefix(200))), \(environment.nowSeconds))
            """
        )
    }

    /// The user's latest entries, newest first.
    public func recent(of user: UserID, count: Int = 50) async throws -> [Entry] {
        try await database.query(
            """
            SELECT kind, address, detail, created_at FROM security_events WHERE user_id = \(user) ORDER BY id DESC LIMIT \(count)
            """
        ).decode { row in
            Entry(kind: Kind(rawValue: try row.string()) ?? .signedIn, address: try row.string(), detail: try row.string(), createdAt: try row.int())
        }
    }

    /// Forgets entries older than the retention (the upkeep job).
    func prune(now: Int64) async throws {
        try await database.execute("DELETE FROM security_events WHERE created_at < \(now - Self.retentionDays * 86_400)")
    }
}
