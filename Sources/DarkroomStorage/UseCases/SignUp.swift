import DarkroomCore

/// Making an account from the sign-up page, in one transaction: the invitation's use (invite-only sign-up), the
/// account (held, like a suspended one, while it waits for an operator's approval), its email address and the link
/// that verifies it.
public struct SignUp: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let users: UserStore
    let signups: SignupStore
    let tokens: AccountTokens
    let log: SecurityLog
    let jobs: JobQueue

    public struct Request: Sendable {
        public var account: NewUser
        public var email: String?
        /// The invitation's code, when sign-up is by invitation.
        public var invite: String?
        /// Why they want to join, when an operator must approve: the account is held until then.
        public var awaitingApproval: String?

        public init(account: NewUser, email: String?, invite: String? = nil, awaitingApproval: String? = nil) {
            self.account = account
            self.email = email
            self.invite = invite
            self.awaitingApproval = awaitingApproval
        }
    }

    /// Makes the account; answers its id. A held account gets no verification link yet: its approval mail carries one.
    public func callAsFunction(
        _ request: Request,
        from origin: SecurityLog.Origin,
        verification: @escaping ChangeEmail.Compose
    ) async throws -> UserID {
        let user = try await database.transaction { tx -> UserID in
            if let invite = request.invite, try await !signups.claim(invite, in: tx) {
                throw DomainError.invalidInput(field: "invite", reason: "this invitation has expired or been used up")
            }
            let user = try await users.insert(request.account, in: tx)
            if let reason = request.awaitingApproval {
                try await tx.execute(
                    "UPDATE users SET suspended_at = \(environment.nowSeconds), awaiting_approval = 1, signup_reason = \(reason) WHERE id = \(user)"
                )
            }
            if let email = request.email {
                try await users.setEmail(email, verifiedAt: nil, of: user, in: tx)
                try await log.record(.emailAdded, user: user, from: origin, detail: email, in: tx)
                if request.awaitingApproval == nil {
                    let token = try await tokens.issue(.verifyEmail, for: user, email: email, in: tx)
                    try await jobs.enqueue(SendMailJob(verification(email, token)), in: tx)
                }
            }
            return user
        }
        if request.email != nil { jobs.wake() }
        return user
    }
}

/// An operator's answer to a sign-up waiting for approval, told to the person by mail and kept in the moderation log.
public struct DecideSignup: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let tokens: AccountTokens
    let moderation: ModerationStore
    let jobs: JobQueue
    let deleteAccount: DeleteAccount

    /// Lets the account in; its mail (`approval(address, username, token)`) carries the link verifying its address.
    /// False when it was not waiting.
    public func approve(
        _ user: UserID,
        actor: String,
        approval: @escaping @Sendable (_ address: String, _ username: String, _ token: String) -> MailMessage
    ) async throws -> Bool {
        let approved = try await database.transaction { tx -> Bool in
            guard
                let account = try await tx.query(
                    """
                    UPDATE users SET suspended_at = NULL, awaiting_approval = 0 WHERE id = \(user) AND awaiting_approval = 1
                    RETURNING username, email
                    """
                ).decodeFirst({ row in (username: try row.string(), email: try row.optionalString()) })
            else { return false }
            if let email = account.email {
                let token = try await tokens.issue(.verifyEmail, for: user, email: email, in: tx)
                try await jobs.enqueue(SendMailJob(approval(email, account.username, token)), in: tx)
            }
            try await moderation.record("approve-signup", user: user, reason: "", actor: actor, in: tx)
            return true
        }
        if approved { jobs.wake() }
        return approved
    }

    /// Turns the request down: the person is told (`rejection(address, username)`) and the held account deleted.
    /// False when it was not waiting.
    public func reject(
        _ user: UserID,
        actor: String,
        rejection: @escaping @Sendable (_ address: String, _ username: String) -> MailMessage
    ) async throws -> Bool {
        let waiting = try await database.transaction { tx -> Bool in
            guard
                let account = try await tx.query("SELECT username, email FROM users WHERE id = \(user) AND awaiting_approval = 1")
                    .decodeFirst({ row in (username: try row.string(), email: try row.optionalString()) })
            else { return false }
            if let email = account.email { try await jobs.enqueue(SendMailJob(rejection(email, account.username)), in: tx) }
            return true
        }
        guard waiting else { return false }
        jobs.wake()
        _ = try await deleteAccount(user, actor: actor + " (sign-up rejected)")
        return true
    }
}
