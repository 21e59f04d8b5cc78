import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/accounts/email`: a person's address — given, changed (the current password asked), verified by a mailed link.
struct EmailController {
    let web: Web
    var storage: Storage { web.dependencies.storage }
    var mails: MailComposer { web.dependencies.mails }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/accounts/email") { visit in try await emailPage(visit, user: visit.requireUser()) }
        routes.post("/accounts/email", change)
        routes.post("/accounts/email/resend", resend)
        routes.get("/accounts/email/verify/{token}") { visit in confirmPage(visit, token: visit.pathToken) }
        routes.post("/accounts/email/verify/{token}", confirm)
    }

    private func emailPage(_ visit: Web.Visit, user: User, error: String? = nil, notice: String? = nil) async throws -> Response {
        let email = try await storage.users.email(of: user.id)
        return web.page(
            "accounts/email",
            title: "Email address",
            status: error == nil ? .ok : .badRequest,
            visit,
            [
                "hasEmail": email != nil, "address": email?.address ?? "", "verified": email?.isVerified ?? false,
                "typed": visit.form.value("email") ?? "",
            ],
            error: error,
            notice: notice
        )
    }

    @Sendable private func change(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let address: String
        do {
            address = try Validation.email(visit.form.value("email") ?? "")
        } catch {
            return try await emailPage(visit, user: user, error: WebError.formMessage(error))
        }
        guard try await !web.dependencies.signupPolicy().blocks(email: address) else {
            return try await emailPage(visit, user: user, error: "Addresses of that domain are not accepted here.")
        }
        guard try await storage.users.checkPassword(visit.form.value("password") ?? "", of: user.id) else {
            return try await emailPage(visit, user: user, error: "Your current password is not right.")
        }
        let mails = self.mails
        let username = user.username
        try await storage.changeEmail.request(address, for: user.id, from: visit.origin) { address, token in
            mails.verification(to: address, username: username, token: token)
        }
        return try await emailPage(visit, user: user, notice: "We sent a link to \(address). Open it to confirm the address.")
    }

    @Sendable private func resend(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let mails = self.mails
        let username = user.username
        let sent = try await storage.changeEmail.resend(for: user.id) { address, token in
            mails.verification(to: address, username: username, token: token)
        }
        return try await emailPage(visit, user: user, notice: sent ? "We sent the link again." : "There is no address waiting to be confirmed.")
    }

    /// The link's page asks for a press: a link only opened (by a mail scanner, a preview) confirms nothing.
    private func confirmPage(_ visit: Web.Visit, token: String) -> Response {
        web.page("accounts/email-confirm", title: "Confirm your email address", visit, ["token": token])
    }

    @Sendable private func confirm(_ visit: Web.Visit) async throws -> Response {
        let mails = self.mails
        let outcome = try await storage.changeEmail.confirm(visit.pathToken, from: visit.origin) { username, old, new in
            mails.emailChanged(to: old, username: username, new: new)
        }
        guard let outcome else {
            return web.message(
                "This link does not work",
                status: .gone,
                visit,
                error: "The link was used already, has expired, or was replaced by a newer one. Ask for a new one from your settings.",
                links: [("/accounts/email", "Email settings")]
            )
        }
        let address: String
        switch outcome {
        case .verified(_, let verified): address = verified
        case .changed(_, _, let new): address = new
        }
        return web.message("Email address confirmed", status: .ok, visit, notice: "\(address) is confirmed.", links: [("/", "Go to Darkroom")])
    }
}

extension Web.Visit {
    /// The token in a mailed link's path (`…/{token}`), as typed; checked by the store.
    var pathToken: String {
        String(path.split(separator: "/").last ?? "")
    }
}
