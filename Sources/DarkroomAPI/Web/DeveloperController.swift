import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/developer/clients…`: a signed-in user registers and manages the apps (clients) that call the API.
struct DeveloperController {
    let web: Web
    var clients: ClientStore { web.dependencies.storage.clients }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/developer/clients", list)
        routes.post("/developer/clients", register)
        routes.get("/developer/clients/:client_id") { visit in
            let (user, client) = try await owned(visit)
            return page(for: client, visit, user: user)
        }
        routes.post("/developer/clients/:client_id", save)
        routes.post("/developer/clients/:client_id/reset-secret", resetSecret)
        routes.post("/developer/clients/:client_id/delete", delete)
    }

    @Sendable private func list(_ visit: Web.Visit) async throws -> Response {
        try await listPage(visit, user: visit.requireUser())
    }

    private func listPage(_ visit: Web.Visit, user: User, error: String? = nil) async throws -> Response {
        let owned = try await clients.owned(by: user.id)
        let rows = owned.map { "<li><a href=\"/developer/clients/\(HTML.escape($0.clientID))\">\(HTML.escape($0.name))</a> <code>\(HTML.escape($0.clientID))</code></li>" }
        return web.page("Your clients", status: error == nil ? .ok : .badRequest, visit, body: """
            <ul id="clients">\(rows.joined())</ul>
            <h2>Register a new client</h2>\(HTML.error(error))
            <form method="post" action="/developer/clients">\(HTML.hidden("csrf_token", visit.csrf))\(form(nil, visit))
            <button type="submit" id="register">Register</button></form>
            """)
    }

    /// The settings form, filled from a client or from what was just sent.
    private func form(_ client: Client?, _ visit: Web.Visit) -> String {
        let sent = visit.form
        func value(_ name: String, _ current: String?) -> String { sent.value(name) ?? current ?? "" }
        return """
            \(HTML.field("Application name", name: "name", value: value("name", client?.name), extra: "required maxlength=\"100\""))
            <label>Description<textarea name="description" id="description" maxlength="500">\(HTML.escape(value("description", client?.description)))</textarea></label>
            \(HTML.field("Website", name: "website", value: value("website", client?.website), type: "url", extra: "maxlength=\"200\""))
            <label>Valid redirect URIs, one per line<textarea name="redirect_uris" id="redirect_uris" required>\(HTML.escape(value("redirect_uris", client?.redirectURIs.joined(separator: "\n"))))</textarea></label>
            \(HTML.checkbox("Disable implicit OAuth (response_type=token)", name: "disable_implicit", checked: sent.pairs.isEmpty ? client?.disableImplicit ?? false : sent.value("disable_implicit") == "on"))
            \(HTML.checkbox("Enforce signed requests (sig)", name: "enforce_signed", checked: sent.pairs.isEmpty ? client?.enforceSigned ?? false : sent.value("enforce_signed") == "on"))
            \(HTML.checkbox("Enforce signed header (X-Insta-Forwarded-For on writes)", name: "enforce_signed_header", checked: sent.pairs.isEmpty ? client?.enforceSignedHeader ?? false : sent.value("enforce_signed_header") == "on"))
            \(HTML.checkbox("Strict redirect URI (exactly as registered)", name: "strict_redirect_uri", checked: sent.pairs.isEmpty ? client?.strictRedirectURI ?? false : sent.value("strict_redirect_uri") == "on"))
            """
    }

    private func settings(_ form: Parameters) throws(APIError) -> ClientStore.Settings {
        let name = try Validation.text(form.value("name") ?? "", field: "name", maxLength: 100).trimmingSpaces()
        guard !name.isEmpty else { throw .missingParameter("name") }
        var uris: [String] = []
        for line in (form.value("redirect_uris") ?? "").split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            uris.append(try Validation.redirectURI(String(line)))
        }
        guard !uris.isEmpty else { throw .missingParameter("redirect_uris") }
        guard uris.count <= 20 else { throw .invalidParameter("redirect_uris", "at most 20") }
        return ClientStore.Settings(
            name: name, description: try Validation.text(form.value("description") ?? "", field: "description", maxLength: 500),
            website: try Validation.website(form.value("website") ?? ""), redirectURIs: uris,
            disableImplicit: form.value("disable_implicit") == "on", enforceSigned: form.value("enforce_signed") == "on",
            enforceSignedHeader: form.value("enforce_signed_header") == "on", strictRedirectURI: form.value("strict_redirect_uri") == "on")
    }

    @Sendable private func register(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        do {
            let client = try await clients.create(try settings(visit.form), ownerID: user.id)
            return web.redirect(to: "/developer/clients/\(client.clientID)")
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return try await listPage(visit, user: user, error: message)
        }
    }

    private func page(for client: Client, _ visit: Web.Visit, user: User, error: String? = nil, note: String? = nil) -> Response {
        let base = "/developer/clients/\(HTML.escape(client.clientID))"
        return web.page(client.name, status: error == nil ? .ok : .badRequest, visit, body: """
            <p>Client ID <code id="client-id">\(HTML.escape(client.clientID))</code></p>
            <p>Client secret <code id="client-secret">\(HTML.escape(client.clientSecret))</code></p>
            \(note.map { "<p role=\"status\">\(HTML.escape($0))</p>" } ?? "")\(HTML.error(error))
            <form method="post" action="\(base)">\(HTML.hidden("csrf_token", visit.csrf))\(form(client, visit))
            <button type="submit" id="save">Save</button></form>
            <form method="post" action="\(base)/reset-secret">\(HTML.hidden("csrf_token", visit.csrf))<button type="submit" id="reset-secret">Reset the client secret</button></form>
            <form method="post" action="\(base)/delete">\(HTML.hidden("csrf_token", visit.csrf))<button type="submit" id="delete">Delete this client</button></form>
            """)
    }

    /// The client of the path, if the signed-in user owns it; anyone else's is as good as missing.
    private func owned(_ visit: Web.Visit) async throws -> (User, Client) {
        let user = try visit.requireUser()
        let id = visit.path.split(separator: "/").dropFirst(2).first.map(String.init) ?? ""
        guard let client = try await clients.find(clientID: id) else { throw DomainError.notFound(.client) }
        try ClientPolicy.check(.manage, actor: user.id, owner: client.ownerID)
        return (user, client)
    }

    @Sendable private func save(_ visit: Web.Visit) async throws -> Response {
        let (user, client) = try await owned(visit)
        do {
            try await clients.update(client.ref, with: try settings(visit.form))
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return page(for: client, visit, user: user, error: message)
        }
        return web.redirect(to: "/developer/clients/\(client.clientID)")
    }

    @Sendable private func resetSecret(_ visit: Web.Visit) async throws -> Response {
        let (_, client) = try await owned(visit)
        try await clients.resetSecret(client.ref)
        return web.redirect(to: "/developer/clients/\(client.clientID)")
    }

    @Sendable private func delete(_ visit: Web.Visit) async throws -> Response {
        let (_, client) = try await owned(visit)
        try await clients.delete(client.ref)
        return web.redirect(to: "/developer/clients")
    }
}
