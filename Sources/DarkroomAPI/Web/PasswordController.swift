import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/accounts/password`: changing a password while signed in, and resetting a forgotten one by a mailed link. Asking
/// for a link answers the same whether or not the address belongs to anyone.
struct PasswordController {
    let web: Web
    var storage: Storage { web.dependencies.storage }
    var mails: MailComposer { web.dependencies.mails }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/accounts/password") { visit in try changePage(visit, user: visit.requireUser()) }
        routes.post("/accounts/password", change)
        routes.get("/accounts/password/reset") { visit in requestPage(visit) }
        routes.post("/accounts/password/reset", requestReset)
        routes.get("/accounts/password/reset/{token}") { visit in try await resetPage(visit) }
        routes.post("/accounts/password/reset/{token}", reset)
    }

    // MARK: Changing it

    private func changePage(_ visit: Web.Visit, user: User, error: String? = nil) -> Response {
        web.page("accounts/password", title: "Change password", status: error == nil ? .ok : .badRequest, visit, [:], error: error)
    }

    @Sendable private func change(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        guard try await storage.users.checkPassword(visit.form.value("current_password") ?? "", of: user.id) else {
            return changePage(visit, user: user, error: "Your current password is not right.")
        }
        let hash: String
        do {
            hash = try await newPasswordHash(visit, username: user.username)
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return changePage(visit, user: user, error: message)
        }
        let signOutApps = visit.form.value("sign_out_apps") == "on"
        let notice = passwordNotice(username: user.username, how: "changed", origin: visit.origin)
        try await storage.changePassword.change(
            user.id,
            toHash: hash,
            keeping: visit.sessionID,
            signOutApps: signOutApps,
            from: visit.origin,
            notice: notice
        )
        let apps = signOutApps ? " Your apps were signed out too." : ""
        return web.message(
            "Password changed",
            status: .ok,
            visit,
            notice: "Your password is changed. Your other browsers were signed out.\(apps)",
            links: [("/accounts/settings", "Back to settings")]
        )
    }

    /// The new password typed twice, checked by the password rules, hashed.
    private func newPasswordHash(_ visit: Web.Visit, username: String) async throws -> String {
        let password = visit.form.value("new_password") ?? ""
        guard password == visit.form.value("confirm_password") ?? "" else {
            throw DomainError.invalidInput(field: "confirm_password", reason: "the two new passwords differ")
        }
        try PasswordPolicy.check(password, username: username)
        return try await PasswordHasher.hash(password)
    }

    private func passwordNotice(username: String, how: String, origin: SecurityLog.Origin) -> @Sendable (String) -> MailMessage {
        let mails = self.mails
        let now = storage.environment.nowSeconds
        return { address in mails.passwordChanged(to: address, username: username, how: how, at: now, from: origin) }
    }

    // MARK: Resetting it

    private func requestPage(_ visit: Web.Visit, error: String? = nil) -> Response {
        web.page(
            "accounts/password-reset",
            title: "Reset your password",
            status: error == nil ? .ok : .badRequest,
            visit,
            ["typed": visit.form.value("email") ?? ""],
            error: error
        )
    }

    @Sendable private func requestReset(_ visit: Web.Visit) async throws -> Response {
        let address: String
        do {
            address = try Validation.email(visit.form.value("email") ?? "")
        } catch {
            return requestPage(visit, error: WebError.formMessage(error))
        }
        let throttle = web.dependencies.loginThrottle
        if try await throttle.mayMailReset(to: address, from: visit.remoteHost) {
            var accounts: [EmailedAccount] = []
            for account in try await storage.users.accounts(withVerifiedEmail: address) where try await throttle.mayMailReset(ofAccount: account.id) {
                accounts.append(account)
            }
            let mails = self.mails
            try await storage.changePassword.requestReset(for: accounts, from: visit.origin) { address, username, token in
                mails.passwordReset(to: address, username: username, token: token)
            }
        }
        // The same answer whether the address is known, unknown, unverified or past its limit.
        return web.message(
            "Check your email",
            status: .ok,
            visit,
            notice: "If an account has the confirmed address \(address), we sent it a link to choose a new password. The link works for an hour.",
            links: [("/accounts/login", "Back to log in")]
        )
    }

    private func expiredLink(_ visit: Web.Visit) -> Response {
        web.message(
            "This link does not work",
            status: .gone,
            visit,
            error: "The link was used already, has expired, or your password changed since it was sent. Ask for a new one.",
            links: [("/accounts/password/reset", "Ask for a new link")]
        )
    }

    private func resetPage(_ visit: Web.Visit, error: String? = nil) async throws -> Response {
        let token = visit.pathToken
        guard try await storage.accountTokens.holder(of: token, for: .resetPassword) != nil else { return expiredLink(visit) }
        return web.page(
            "accounts/password-new",
            title: "Choose a new password",
            status: error == nil ? .ok : .badRequest,
            visit,
            ["token": token],
            error: error
        )
    }

    @Sendable private func reset(_ visit: Web.Visit) async throws -> Response {
        let token = visit.pathToken
        guard let holder = try await storage.accountTokens.holder(of: token, for: .resetPassword),
            let user = try await storage.users.find(holder.user)
        else { return expiredLink(visit) }
        let hash: String
        do {
            hash = try await newPasswordHash(visit, username: user.username)
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return try await resetPage(visit, error: message)
        }
        let notice = passwordNotice(username: user.username, how: "reset by email", origin: visit.origin)
        guard try await storage.changePassword.reset(byToken: token, toHash: hash, from: visit.origin, notice: notice) != nil else {
            return expiredLink(visit)
        }
        return web.message(
            "Password changed",
            status: .ok,
            visit,
            notice: "Your new password is set, and every browser signed in to \(user.username) was signed out. Log in with it now.",
            links: [("/accounts/login", "Log in")]
        )
    }
}
