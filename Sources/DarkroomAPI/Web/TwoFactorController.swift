import DarkroomCore
import DarkroomStorage
import Hummingbird

/// Two-factor sign-in: setting up an authenticator app from settings (`/accounts/two-factor`: a QR code and the secret
/// as text, confirmed by a first code, then ten recovery codes shown once), turning it off or renewing the codes (the
/// password asked), and the sign-in step that asks for a code after a right password (`/accounts/login/two-factor`).
struct TwoFactorController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/accounts/two-factor") { visit in try await settingsPage(visit, user: visit.requireUser()) }
        routes.post("/accounts/two-factor/setup", setUp)
        routes.post("/accounts/two-factor/confirm", confirm)
        routes.post("/accounts/two-factor/disable", disable)
        routes.post("/accounts/two-factor/recovery-codes", renewCodes)
        routes.get("/accounts/login/two-factor") { visit in try await challengePage(visit) }
        routes.post("/accounts/login/two-factor", answerChallenge)
    }

    // MARK: Settings

    private func settingsPage(_ visit: Web.Visit, user: User, error: String? = nil, notice: String? = nil) async throws -> Response {
        let status = try await storage.twoFactor.status(of: user.id)
        return web.page(
            "accounts/two-factor",
            title: "Two-factor sign-in",
            status: error == nil ? .ok : .badRequest,
            visit,
            [
                "enabled": status.authenticator, "codesLeft": status.recoveryCodesLeft, "anyFactor": status.isEnabled,
                "passkeys": status.passkeys,
            ],
            error: error,
            notice: notice
        )
    }

    /// The secret to scan, as a QR code and as text, with the form for the app's first code.
    private func setUpPage(_ visit: Web.Visit, user: User, secret: [UInt8], error: String? = nil) -> Response {
        let uri = TOTP.provisioningURI(secret: secret, account: user.username, issuer: issuer)
        return web.page(
            "accounts/two-factor-setup",
            title: "Set up an authenticator app",
            status: error == nil ? .ok : .badRequest,
            visit,
            [
                "qrHTML": QRCode.svg(uri) ?? "", "secret": Base32.encode(secret).grouped(by: 4), "uri": uri,
            ],
            error: error
        )
    }

    /// The name authenticator apps list the account under: the server's host.
    private var issuer: String {
        let host = web.dependencies.links.publicURL.split(separator: "/").dropFirst().first.map(String.init) ?? "Darkroom"
        return "Darkroom (\(host))"
    }

    @Sendable private func setUp(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        return setUpPage(visit, user: user, secret: try await storage.twoFactor.begin(for: user.id))
    }

    @Sendable private func confirm(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        guard let secret = try await storage.twoFactor.pending(for: user.id) else {
            return try await settingsPage(visit, user: user, error: "That set-up expired. Start again.")
        }
        guard let codes = try await storage.twoFactor.confirm(for: user.id, code: visit.form.value("code") ?? "", from: visit.origin) else {
            return setUpPage(visit, user: user, secret: secret, error: "That code is not right. Check the app's clock, and type the newest code.")
        }
        return recoveryCodesPage(visit, codes: codes, notice: "Two-factor sign-in is on.")
    }

    private func recoveryCodesPage(_ visit: Web.Visit, codes: [String], notice: String) -> Response {
        web.page("accounts/recovery-codes", title: "Your recovery codes", visit, ["codes": codes], notice: notice)
    }

    @Sendable private func disable(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        guard try await storage.users.checkPassword(visit.form.value("password") ?? "", of: user.id) else {
            return try await settingsPage(visit, user: user, error: "Your password is not right.")
        }
        try await storage.twoFactor.disable(for: user.id, from: visit.origin)
        return try await settingsPage(visit, user: user, notice: "Two-factor sign-in is off.")
    }

    @Sendable private func renewCodes(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        guard try await storage.twoFactor.isEnabled(for: user.id) else { return try await settingsPage(visit, user: user) }
        // Renewing codes takes the password even here: a borrowed, signed-in browser must not mint a way in.
        guard try await storage.users.checkPassword(visit.form.value("password") ?? "", of: user.id) else {
            return try await settingsPage(visit, user: user, error: "Your password is not right.")
        }
        let codes = try await storage.twoFactor.regenerateRecoveryCodes(for: user.id, from: visit.origin)
        return recoveryCodesPage(visit, codes: codes, notice: "New recovery codes are made; the old ones no longer work.")
    }

    // MARK: Signing in

    private func challengePage(_ visit: Web.Visit, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let held = try await web.heldSignIn(visit), let user = try await storage.users.find(held) else {
            return web.redirect(to: "/accounts/login")
        }
        let factors = try await storage.twoFactor.status(of: user.id)
        let next = Web.localPath(visit.query.value("next") ?? visit.form.value("next")) ?? ""
        return web.page(
            "accounts/login-two-factor",
            title: "Two-factor sign-in",
            status: status,
            visit,
            ["next": next, "authenticator": factors.authenticator, "passkeys": factors.passkeys > 0],
            error: error,
            scripts: true
        )
    }

    @Sendable private func answerChallenge(_ visit: Web.Visit) async throws -> Response {
        guard let held = try await web.heldSignIn(visit), let user = try await storage.users.find(held) else {
            return web.redirect(to: "/accounts/login")
        }
        let throttle = web.dependencies.loginThrottle
        guard try await !throttle.isBlocked(address: visit.remoteHost, username: user.username) else {
            return try await challengePage(visit, error: "Too many wrong codes. Wait a few minutes and try again.", status: .tooManyRequests)
        }
        let typed = visit.form.value("code") ?? ""
        let digits = typed.filter { !$0.isWhitespace }
        let passed =
            digits.count == TOTP.digits && digits.allSatisfy(\.isNumber)
            ? try await storage.twoFactor.verify(digits, for: user.id)
            : try await storage.twoFactor.useRecoveryCode(typed, for: user.id, from: visit.origin)
        guard passed else {
            try await throttle.recordFailure(address: visit.remoteHost, username: user.username)
            try await storage.securityLog.record(.secondFactorFailed, user: user.id, from: visit.origin)
            return try await challengePage(visit, error: "That code is not right, or was used already.", status: .badRequest)
        }
        return try await web.completeHeldSignIn(user, visit, next: visit.form.value("next"))
    }
}

extension String {
    /// The text in groups of `size`, spaced, as people copy a long secret.
    func grouped(by size: Int) -> String {
        stride(from: 0, to: count, by: size).map { start in
            let from = index(startIndex, offsetBy: start)
            return String(self[from..<(index(from, offsetBy: size, limitedBy: endIndex) ?? endIndex)])
        }.joined(separator: " ")
    }
}
