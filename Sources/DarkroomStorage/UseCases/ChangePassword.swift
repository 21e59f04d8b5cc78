import DarkroomCore

/// Changing a password, asking for a reset link and resetting by one, each in one transaction with the sessions it
/// ends, the mail it sends and the entry in the security log. Hashing (bcrypt) is the caller's, before: it must not
/// hold a transaction open.
public struct ChangePassword: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let users: UserStore
    let tokens: AccountTokens
    let log: SecurityLog
    let jobs: JobQueue
    let changes: StoreChanges

    /// Sets a new password the person chose while signed in: their other browsers are signed out, the session they
    /// are using (`keeping`, a cookie's id) stays; apps keep their tokens unless `signOutApps`. Reset links stop
    /// working. `notice` is mailed to their verified address.
    public func change(
        _ user: UserID,
        toHash hash: String,
        keeping session: String?,
        signOutApps: Bool,
        from origin: SecurityLog.Origin,
        notice: @escaping @Sendable (_ address: String) -> MailMessage
    ) async throws {
        try await database.transaction { tx in
            try await setPassword(hash, of: user, keeping: session, in: tx)
            try await log.record(.passwordChanged, user: user, from: origin, in: tx)
            if signOutApps {
                try await tx.execute("UPDATE access_tokens SET revoked_at = \(environment.nowSeconds) WHERE user_id = \(user) AND revoked_at IS NULL")
                try await log.record(.appsSignedOut, user: user, from: origin, in: tx)
            }
            try await mail(notice, to: user, in: tx)
        }
        if signOutApps { await changes.grantsChanged() }
        jobs.wake()
    }

    /// Mails a reset link to each account, at its verified address; nothing when there is none, so the caller answers
    /// the same either way.
    public func requestReset(
        for accounts: [EmailedAccount],
        from origin: SecurityLog.Origin,
        compose: @escaping @Sendable (_ address: String, _ username: String, _ token: String) -> MailMessage
    ) async throws {
        guard !accounts.isEmpty else { return }
        try await database.transaction { tx in
            for account in accounts {
                let token = try await tokens.issue(.resetPassword, for: account.id, email: account.email, in: tx)
                try await log.record(.passwordResetRequested, user: account.id, from: origin, in: tx)
                try await jobs.enqueue(SendMailJob(compose(account.email, account.username, token)), in: tx)
            }
        }
        jobs.wake()
    }

    /// Sets a new password by a reset link: every session of the account ends (whoever asked for the link may not be
    /// the one signed in), its apps keep their tokens. Nil for a link unknown, used, expired, or of an account whose
    /// password changed since it was sent (changing it revokes the links).
    public func reset(
        byToken token: String,
        toHash hash: String,
        from origin: SecurityLog.Origin,
        notice: @escaping @Sendable (_ address: String) -> MailMessage
    ) async throws -> UserID? {
        let user = try await database.transaction { tx -> UserID? in
            guard let holder = try await tokens.redeem(token, for: .resetPassword, in: tx) else { return nil }
            try await setPassword(hash, of: holder.user, keeping: nil, in: tx)
            // The link proved the person reads that address.
            try await tx.execute(
                """
                UPDATE users SET email_verified_at = \(environment.nowSeconds)
                 WHERE id = \(holder.user) AND email_lc = \(holder.email?.lowercased()) AND email_verified_at IS NULL
                """
            )
            try await log.record(.passwordReset, user: holder.user, from: origin, in: tx)
            try await mail(notice, to: holder.user, in: tx)
            return holder.user
        }
        if user != nil { jobs.wake() }
        return user
    }

    private func setPassword(_ hash: String, of user: UserID, keeping session: String?, in tx: any SQLExecutor) async throws {
        try await tx.execute("UPDATE users SET password_hash = \(hash) WHERE id = \(user)")
        try await tx.execute("DELETE FROM web_sessions WHERE user_id = \(user) AND id_hash <> \(session.map(Hex.sha256) ?? "")")
        try await tokens.revoke(.resetPassword, of: user, in: tx)
    }

    private func mail(_ compose: @Sendable (String) -> MailMessage, to user: UserID, in tx: any SQLExecutor) async throws {
        guard let email = try await users.email(of: user, in: tx), email.isVerified else { return }
        try await jobs.enqueue(SendMailJob(compose(email.address)), in: tx)
    }
}
