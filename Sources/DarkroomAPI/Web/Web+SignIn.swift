import DarkroomCore
import DarkroomStorage
import Hummingbird

// Signing a person in, the one way every way in ends (password, second factor, passkey).
extension Web {
    /// The cookie that carries a sign-in whose password was right to the page asking for its second factor.
    static let pendingSignInCookie = "dr_signin"

    /// Whose sign-in this browser holds, its password right, waiting for a second factor.
    func heldSignIn(_ visit: Visit) async throws -> UserID? {
        guard let token = visit.cookies[Self.pendingSignInCookie]?.value else { return nil }
        return try await dependencies.storage.accountTokens.holder(of: token, for: .secondFactor)?.user
    }

    /// Ends the held sign-in with its second factor given: the session starts, once (a second use finds the hold
    /// gone and goes back to the log-in page).
    func completeHeldSignIn(_ user: User, _ visit: Visit, next: String?) async throws -> Response {
        guard let token = visit.cookies[Self.pendingSignInCookie]?.value,
            try await dependencies.storage.accountTokens.redeem(token, for: .secondFactor)?.user == user.id
        else { return redirect(to: "/accounts/login") }
        return try await signIn(user, visit, next: next)
    }

    /// Starts a session for `user` in this browser and sends them on to `next` (a local path). A browser that never
    /// signed in to the account before gets it a notice mail, at its verified address.
    func signIn(_ user: User, _ visit: Visit, next: String?) async throws -> Response {
        let storage = dependencies.storage
        if let old = visit.sessionID { try await storage.sessions.end(old) }
        let existingDevice = visit.cookies[DeviceCookies.name]?.value
        let known = dependencies.deviceCookies.device(in: existingDevice, for: user.username) != nil
        // Written as this person, so that their next pages, on any server, read past it (and past their new account,
        // written just before) rather than from a replica that has not replayed it yet.
        let session = try await ReadSession.$current.withValue(ReadSession(user: user.id)) {
            let session = try await storage.sessions.start(for: user.id, from: visit.origin)
            try await storage.securityLog.record(
                .signedIn,
                user: user.id,
                from: visit.origin,
                detail: known ? nil : "new browser: " + visit.origin.device
            )
            if !known, let email = try await storage.users.email(of: user.id), email.isVerified {
                let mail = dependencies.mails.newSignIn(
                    to: email.address,
                    username: user.username,
                    at: storage.environment.nowSeconds,
                    from: visit.origin
                )
                try await storage.jobs.enqueue(SendMailJob(mail))
            }
            return session
        }
        // This browser has now signed in to the account: strangers' failed passwords will not lock it out.
        let device = dependencies.deviceCookies.after(signingIn: user.username, existing: existingDevice)
        return redirect(
            to: Web.localPath(next) ?? "/",
            setting: [
                sessionCookie(session), cookie(DeviceCookies.name, device, maxAge: DeviceCookies.lifetime),
                cookie(Self.pendingSignInCookie, "", maxAge: 0, path: "/accounts/login"),
            ]
        )
    }
}
