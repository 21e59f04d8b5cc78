import DarkroomCore

/// Giving, changing and verifying a person's email address, each in one transaction with the mail it sends and the
/// entry in their security log. Mail is composed by the caller (it has the templates and the public URL), from the
/// link's token and the address it goes to.
public struct ChangeEmail: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let users: UserStore
    let tokens: AccountTokens
    let log: SecurityLog
    let jobs: JobQueue

    public typealias Compose = @Sendable (_ address: String, _ token: String) -> MailMessage

    /// Sets the address to verify. Without a verified address before, it replaces the old one at once; with one, the
    /// verified address stays until the new one's link is used, so a typo cannot take the account's mail away.
    public func request(_ address: String, for user: UserID, from origin: SecurityLog.Origin, verification: @escaping Compose) async throws {
        try await database.transaction { tx in
            let current = try await users.email(of: user, in: tx)
            if current?.isVerified != true {
                try await users.setEmail(address, verifiedAt: nil, of: user, in: tx)
                try await log.record(current == nil ? .emailAdded : .emailChanged, user: user, from: origin, detail: address, in: tx)
            }
            let token = try await tokens.issue(.verifyEmail, for: user, email: address, in: tx)
            try await jobs.enqueue(SendMailJob(verification(address, token)), in: tx)
        }
        jobs.wake()
    }

    /// Sends the link again for the address waiting to be verified (the account's own, or the one it is changing to).
    public func resend(for user: UserID, verification: @escaping Compose) async throws -> Bool {
        let sent = try await database.transaction { tx -> Bool in
            let waiting =
                try await tx.query(
                    """
                    SELECT email FROM account_tokens WHERE user_id = \(user) AND purpose = \(AccountTokens.Purpose.verifyEmail.rawValue)
                       AND used_at IS NULL ORDER BY created_at DESC LIMIT 1
                    """
                ).decodeFirst { try $0.optionalString() } ?? nil
            let current = try await users.email(of: user, in: tx)
            guard let address = waiting ?? (current?.isVerified == false ? current?.address : nil) else { return false }
            let token = try await tokens.issue(.verifyEmail, for: user, email: address, in: tx)
            try await jobs.enqueue(SendMailJob(verification(address, token)), in: tx)
            return true
        }
        if sent { jobs.wake() }
        return sent
    }

    /// What a verification link did.
    public enum Confirmation: Sendable, Equatable {
        case verified(user: UserID, address: String)
        /// The account's address moved from a verified one, which `confirm` has told.
        case changed(user: UserID, from: String, to: String)
    }

    /// Uses a verification link: the address it was sent to becomes the account's, verified. When that replaces a
    /// verified address, the old one is told (`notice(username, old, new)`). Nil for a link unknown, used or expired.
    public func confirm(
        _ token: String,
        from origin: SecurityLog.Origin,
        notice: @escaping @Sendable (_ username: String, _ old: String, _ new: String) -> MailMessage
    ) async throws -> Confirmation? {
        let confirmation = try await database.transaction { tx -> Confirmation? in
            guard let holder = try await tokens.redeem(token, for: .verifyEmail, in: tx), let address = holder.email else { return nil }
            let current = try await users.email(of: holder.user, in: tx)
            try await users.setEmail(address, verifiedAt: environment.nowSeconds, of: holder.user, in: tx)
            if let current, current.isVerified, current.address.lowercased() != address.lowercased() {
                try await log.record(.emailChanged, user: holder.user, from: origin, detail: address, in: tx)
                let username = try await tx.query("SELECT username FROM users WHERE id = \(holder.user)").decodeFirst { try $0.string() } ?? ""
                try await jobs.enqueue(SendMailJob(notice(username, current.address, address)), in: tx)
                return .changed(user: holder.user, from: current.address, to: address)
            }
            try await log.record(.emailVerified, user: holder.user, from: origin, detail: address, in: tx)
            return .verified(user: holder.user, address: address)
        }
        if case .changed = confirmation { jobs.wake() }
        return confirmation
    }
}
