import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Hummingbird

/// `/accounts/…`: log-in, log-out, settings (with the profile picture) and the apps a user has let in.
struct AccountsController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/accounts/login") { visit in loginPage(visit) }
        routes.post("/accounts/login", login)
        routes.post("/accounts/logout", logout)
        routes.get("/accounts/settings") { visit in try await settingsPage(visit, user: visit.requireUser()) }
        routes.post("/accounts/settings", saveSettings)
        routes.post("/accounts/settings/picture", savePicture)
        routes.get("/accounts/applications", applications)
        routes.post("/accounts/applications/revoke", revoke)
    }

    // MARK: Sign-up and log-in

    /// What the sign-up and log-in forms carry over: the name typed and where to go afterwards.
    static func credentialsForm(_ visit: Web.Visit) -> [String: Any] {
        let next = Web.localPath(visit.query.value("next") ?? visit.form.value("next")) ?? ""
        return ["next": next, "nextEncoded": Parameters.encode(next), "username": visit.form.value("username") ?? ""]
    }

    private func loginPage(_ visit: Web.Visit, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        // Scripted only for the passkey button; the form itself needs none.
        web.page("accounts/login", title: "Log in", status: status, visit, Self.credentialsForm(visit), error: error, scripts: true)
    }

    @Sendable private func login(_ visit: Web.Visit) async throws -> Response {
        let throttle = web.dependencies.loginThrottle
        let username = visit.form.value("username") ?? ""
        let device = web.dependencies.deviceCookies.device(in: visit.cookies[DeviceCookies.name]?.value, for: username)
        guard try await !throttle.isBlocked(address: visit.remoteHost, username: username, device: device) else {
            return loginPage(visit, error: "Too many failed log-ins. Wait a few minutes and try again.", status: .tooManyRequests)
        }
        guard let user = try await storage.users.authenticate(username: username, password: visit.form.value("password") ?? "") else {
            try await throttle.recordFailure(address: visit.remoteHost, username: username, device: device)
            if let known = try await storage.users.find(username: username) {
                try await storage.securityLog.record(.signInFailed, user: known.id, from: visit.origin)
            } else if try await storage.signups.isAwaitingApproval(username: username, password: visit.form.value("password") ?? "") {
                // Said only to whoever knows the password: the sign-up they asked for is not decided yet.
                return loginPage(
                    visit,
                    error: "Your request to join is waiting for an operator's approval. We will write to you.",
                    status: .forbidden
                )
            }
            return loginPage(visit, error: "The username or password is not right.", status: .badRequest)
        }
        guard try await storage.twoFactor.isEnabled(for: user.id) else { return try await web.signIn(user, visit, next: visit.form.value("next")) }
        // The password was right; the second factor is asked on a page of its own, the sign-in held by a cookie.
        let pending = try await storage.accountTokens.issue(.secondFactor, for: user.id)
        let next = Web.localPath(visit.form.value("next")) ?? ""
        return web.redirect(
            to: "/accounts/login/two-factor" + (next.isEmpty ? "" : "?next=" + Parameters.encode(next)),
            setting: [web.cookie(Web.pendingSignInCookie, pending, maxAge: AccountTokens.Purpose.secondFactor.lifetime, path: "/accounts/login")]
        )
    }

    @Sendable private func logout(_ visit: Web.Visit) async throws -> Response {
        if let session = visit.sessionID { try await storage.sessions.end(session) }
        return web.redirect(to: "/accounts/login", setting: [web.clearedSessionCookie()])
    }

    // MARK: Settings

    private func settingsPage(_ visit: Web.Visit, user: User, error: String? = nil, saved: Bool = false) async throws -> Response {
        let email = try await storage.users.email(of: user.id)
        let mayInvite = try await web.dependencies.signupPolicy().membersMayInvite || visit.isOperator
        return web.page(
            "accounts/settings",
            title: "Settings",
            status: error == nil ? .ok : .badRequest,
            visit,
            [
                "fullName": user.summary.fullName, "bio": user.bio, "website": user.website, "isPrivate": user.isPrivate,
                "showsCamera": user.showsCamera,
                "picture": web.dependencies.links.profilePicture(user.summary.profilePicture),
                "accept": ImageFormat.allCases.map(\.mediaType).joined(separator: ","),
                "email": email?.address ?? false, "unverifiedEmail": email.map { !$0.isVerified } ?? false, "mayInvite": mayInvite,
            ],
            error: error,
            notice: saved ? "Saved." : nil
        )
    }

    @Sendable private func saveSettings(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        do {
            let website = try Validation.website(visit.form.value("website") ?? "")
            let profile = UserStore.Profile(
                fullName: try Validation.text(visit.form.value("full_name") ?? "", field: "full_name", maxLength: 60).trimmingSpaces(),
                bio: try Validation.text(visit.form.value("bio") ?? "", field: "bio", maxLength: 150).trimmingSpaces(),
                website: website,
                isPrivate: visit.form.value("is_private") == "on",
                showsCamera: visit.form.value("shows_camera") == "on"
            )
            try await storage.users.update(user.id, profile: profile)
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return try await settingsPage(visit, user: user, error: message)
        }
        return try await savedPage(visit, user.id)
    }

    @Sendable private func savePicture(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        guard let photo = visit.files["photo"]?.first, !photo.isEmpty else {
            return try await settingsPage(visit, user: user, error: "Choose a photo first.")
        }
        do {
            try await web.dependencies.ingest.replaceProfilePicture(of: user.id, with: photo, in: storage)
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return try await settingsPage(visit, user: user, error: message)
        }
        return try await savedPage(visit, user.id)
    }

    /// The settings page as just saved.
    private func savedPage(_ visit: Web.Visit, _ user: UserID) async throws -> Response {
        guard let saved = try await storage.users.find(user) else { throw WebError(status: .notFound, message: "No such user.") }
        return try await settingsPage(visit, user: saved, saved: true)
    }

    // MARK: Authorized applications

    @Sendable private func applications(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let apps = try await storage.tokens.authorizedApps(of: user.id)
        return web.page(
            "accounts/applications",
            title: "Authorized applications",
            visit,
            [
                "hasApps": !apps.isEmpty,
                "apps": apps.map { ["name": $0.client.name, "scopes": Scope.render($0.scopes), "clientID": $0.client.clientID] },
            ]
        )
    }

    @Sendable private func revoke(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        if let client = try await storage.clients.find(clientID: visit.form.value("client") ?? "") {
            try await storage.tokens.revoke(user: user.id, client: client.ref)
        }
        return web.redirect(to: "/accounts/applications")
    }
}
