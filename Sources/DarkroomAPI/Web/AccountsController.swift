import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/accounts/…`: sign-up, log-in, log-out, settings (with the profile picture) and the apps a user has let in.
struct AccountsController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/accounts/signup") { visit in signupPage(visit) }
        routes.post("/accounts/signup", signup)
        routes.get("/accounts/login") { visit in loginPage(visit) }
        routes.post("/accounts/login", login)
        routes.post("/accounts/logout", logout)
        routes.get("/accounts/settings") { visit in try settingsPage(visit, user: visit.requireUser()) }
        routes.post("/accounts/settings", saveSettings)
        routes.post("/accounts/settings/picture", savePicture)
        routes.get("/accounts/applications", applications)
        routes.post("/accounts/applications/revoke", revoke)
    }

    // MARK: Sign-up and log-in

    private func signupPage(_ visit: Web.Visit, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let next = Web.localPath(visit.query.value("next") ?? visit.form.value("next")) ?? ""
        return web.page("Sign up", status: status, visit, body: """
            \(HTML.error(error))
            <form method="post" action="/accounts/signup">\(HTML.hidden("csrf_token", visit.csrf))\(HTML.hidden("next", next))
            \(HTML.field("Username", name: "username", value: visit.form.value("username") ?? "", extra: "required maxlength=\"30\" autocomplete=\"username\""))
            \(HTML.field("Full name", name: "full_name", value: visit.form.value("full_name") ?? "", extra: "maxlength=\"60\""))
            \(HTML.field("Password", name: "password", type: "password", extra: "required minlength=\"8\" autocomplete=\"new-password\""))
            <button type="submit" id="signup">Sign up</button></form>
            <p>Have an account? <a href="/accounts/login?next=\(HTML.escape(Parameters.encode(next)))">Log in</a></p>
            """)
    }

    @Sendable private func signup(_ visit: Web.Visit) async throws -> Response {
        let throttle = web.dependencies.loginThrottle
        guard try await throttle.mayCreateAccount(from: visit.remoteHost) else {
            return signupPage(visit, error: "Too many accounts were made from your address. Try again in half an hour.", status: .tooManyRequests)
        }
        do {
            let username = try Validation.username(visit.form.value("username") ?? "")
            let fullName = try Validation.text(visit.form.value("full_name") ?? "", field: "full_name", maxLength: 60).trimmingSpaces()
            let password = visit.form.value("password") ?? ""
            try PasswordPolicy.check(password, username: username)
            let hash = try await PasswordHasher.hash(password)
            let user = try await storage.users.create(NewUser(username: username, passwordHash: hash, fullName: fullName))
            try await throttle.recordAccountCreated(from: visit.remoteHost)
            return try await signIn(user, visit)
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return signupPage(visit, error: message, status: .badRequest)
        }
    }

    private func loginPage(_ visit: Web.Visit, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let next = Web.localPath(visit.query.value("next") ?? visit.form.value("next")) ?? ""
        return web.page("Log in", status: status, visit, body: """
            \(HTML.error(error))
            <form method="post" action="/accounts/login">\(HTML.hidden("csrf_token", visit.csrf))\(HTML.hidden("next", next))
            \(HTML.field("Username", name: "username", value: visit.form.value("username") ?? "", extra: "required autocomplete=\"username\""))
            \(HTML.field("Password", name: "password", type: "password", extra: "required autocomplete=\"current-password\""))
            <button type="submit" id="login">Log in</button></form>
            <p>New here? <a href="/accounts/signup?next=\(HTML.escape(Parameters.encode(next)))">Sign up</a></p>
            """)
    }

    @Sendable private func login(_ visit: Web.Visit) async throws -> Response {
        let throttle = web.dependencies.loginThrottle
        let username = visit.form.value("username") ?? ""
        guard try await !throttle.isBlocked(address: visit.remoteHost, username: username) else {
            return loginPage(visit, error: "Too many failed log-ins. Wait a few minutes and try again.", status: .tooManyRequests)
        }
        guard let user = try await storage.users.authenticate(username: username, password: visit.form.value("password") ?? "") else {
            try await throttle.recordFailure(address: visit.remoteHost, username: username)
            return loginPage(visit, error: "The username or password is not right.", status: .badRequest)
        }
        return try await signIn(user, visit)
    }

    private func signIn(_ user: User, _ visit: Web.Visit) async throws -> Response {
        if let old = visit.sessionID { try await storage.sessions.end(old) }
        let session = try await storage.sessions.start(for: user.id)
        return web.redirect(to: Web.localPath(visit.form.value("next")) ?? "/accounts/settings", setting: [web.sessionCookie(session)])
    }

    @Sendable private func logout(_ visit: Web.Visit) async throws -> Response {
        if let session = visit.sessionID { try await storage.sessions.end(session) }
        return web.redirect(to: "/accounts/login", setting: [web.clearedSessionCookie()])
    }

    // MARK: Settings

    private func settingsPage(_ visit: Web.Visit, user: User, error: String? = nil, saved: Bool = false) -> Response {
        let picture = web.dependencies.links.profilePicture(user.summary.profilePicture)
        return web.page("Settings", status: error == nil ? .ok : .badRequest, visit, body: """
            \(HTML.error(error))\(saved ? "<p role=\"status\">Saved.</p>" : "")
            <form method="post" action="/accounts/settings">\(HTML.hidden("csrf_token", visit.csrf))
            \(HTML.field("Full name", name: "full_name", value: user.summary.fullName, extra: "maxlength=\"60\""))
            <label>Bio<textarea name="bio" id="bio" maxlength="150">\(HTML.escape(user.bio))</textarea></label>
            \(HTML.field("Website", name: "website", value: user.website, type: "url", extra: "maxlength=\"200\""))
            \(HTML.checkbox("Private account: only approved followers see my photos", name: "is_private", checked: user.isPrivate))
            <button type="submit" id="save">Save</button></form>
            <h2>Profile picture</h2>
            <p><img src="\(HTML.escape(picture))" width="75" height="75" alt="Your profile picture"></p>
            <form method="post" action="/accounts/settings/picture" enctype="multipart/form-data">\(HTML.hidden("csrf_token", visit.csrf))
            <label>A JPEG, PNG or WebP photo<input type="file" name="photo" id="photo" accept="image/jpeg,image/png,image/webp" required></label>
            <button type="submit" id="upload-picture">Use this picture</button></form>
            """)
    }

    @Sendable private func saveSettings(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        do {
            let website = try Validation.website(visit.form.value("website") ?? "")
            let profile = UserStore.Profile(
                fullName: try Validation.text(visit.form.value("full_name") ?? "", field: "full_name", maxLength: 60).trimmingSpaces(),
                bio: try Validation.text(visit.form.value("bio") ?? "", field: "bio", maxLength: 150).trimmingSpaces(),
                website: website, isPrivate: visit.form.value("is_private") == "on")
            try await storage.users.update(user.id, profile: profile)
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return settingsPage(visit, user: user, error: message)
        }
        return try await savedPage(visit, user.id)
    }

    @Sendable private func savePicture(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        guard let photo = visit.files["photo"], !photo.isEmpty else { return settingsPage(visit, user: user, error: "Choose a photo first.") }
        do {
            try await web.dependencies.ingest.replaceProfilePicture(of: user.id, with: photo, in: storage)
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return settingsPage(visit, user: user, error: message)
        }
        return try await savedPage(visit, user.id)
    }

    /// The settings page as just saved.
    private func savedPage(_ visit: Web.Visit, _ user: UserID) async throws -> Response {
        guard let saved = try await storage.users.find(user) else { throw WebError(status: .notFound, message: "No such user.") }
        return settingsPage(visit, user: saved, saved: true)
    }

    // MARK: Authorized applications

    @Sendable private func applications(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let apps = try await storage.tokens.authorizedApps(of: user.id)
        let rows = apps.map { app in
            """
            <tr><td>\(HTML.escape(app.client.name))</td><td>\(HTML.escape(Scope.render(app.scopes)))</td>
            <td><form method="post" action="/accounts/applications/revoke">\(HTML.hidden("csrf_token", visit.csrf))\(HTML.hidden("client", app.client.clientID))
            <button type="submit" class="revoke">Revoke access</button></form></td></tr>
            """
        }
        return web.page("Authorized applications", visit, body: apps.isEmpty
            ? "<p id=\"no-apps\">No application has access to your account.</p>"
            : "<table id=\"apps\"><tr><th>Application</th><th>Access</th><th></th></tr>\(rows.joined())</table>")
    }

    @Sendable private func revoke(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        if let client = try await storage.clients.find(clientID: visit.form.value("client") ?? "") {
            try await storage.tokens.revoke(user: user.id, client: client.ref)
        }
        return web.redirect(to: "/accounts/applications")
    }
}
