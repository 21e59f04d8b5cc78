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
            return try await page(for: client, visit, user: user)
        }
        routes.post("/developer/clients/:client_id", save)
        routes.post("/developer/clients/:client_id/reset-secret", resetSecret)
        routes.post("/developer/clients/:client_id/delete", delete)
        routes.post("/developer/clients/:client_id/subscriptions/:id/delete") { visit in
            let (_, client) = try await owned(visit)
            guard let id = visit.path.split(separator: "/").dropFirst(4).first.flatMap({ Int64($0) }) else { throw DomainError.notFound(.client) }
            try await web.dependencies.storage.subscriptions.delete(for: client.ref, id: id, object: nil, objectID: nil)
            return web.redirect(to: "/developer/clients/\(client.clientID)")
        }
        routes.post("/developer/clients/:client_id/deliveries/:id/retry") { visit in
            let (_, client) = try await owned(visit)
            guard let id = visit.path.split(separator: "/").dropFirst(4).first.flatMap({ Int64($0) }) else { throw DomainError.notFound(.client) }
            _ = try await web.dependencies.storage.notifications.retry(id, for: client.ref)
            return web.redirect(to: "/developer/clients/\(client.clientID)")
        }
    }

    @Sendable private func list(_ visit: Web.Visit) async throws -> Response {
        try await listPage(visit, user: visit.requireUser())
    }

    private func listPage(_ visit: Web.Visit, user: User, error: String? = nil) async throws -> Response {
        let owned = try await clients.owned(by: user.id)
        return web.page(
            "developer/clients",
            title: "Your clients",
            status: error == nil ? .ok : .badRequest,
            visit,
            [
                "clients": owned.map { ["clientID": $0.clientID, "name": $0.name] }, "form": form(nil, visit),
            ],
            error: error
        )
    }

    /// The settings form, filled from a client or from what was just sent.
    private func form(_ client: Client?, _ visit: Web.Visit) -> [String: Any] {
        let sent = visit.form
        func value(_ name: String, _ current: String?) -> String { sent.value(name) ?? current ?? "" }
        func checked(_ name: String, _ current: Bool?) -> Bool { sent.pairs.isEmpty ? current ?? false : sent.value(name) == "on" }
        return [
            "name": value("name", client?.name), "description": value("description", client?.description),
            "website": value("website", client?.website), "redirectURIs": value("redirect_uris", client?.redirectURIs.joined(separator: "\n")),
            "disableImplicit": checked("disable_implicit", client?.disableImplicit),
            "enforceSigned": checked("enforce_signed", client?.enforceSigned),
            "enforceSignedHeader": checked("enforce_signed_header", client?.enforceSignedHeader),
            "strictRedirectURI": checked("strict_redirect_uri", client?.strictRedirectURI),
        ]
    }

    private func settings(_ form: Parameters) throws(DomainError) -> ClientStore.Settings {
        let name = try Validation.text(form.value("name") ?? "", field: "name", maxLength: 100).trimmingSpaces()
        guard !name.isEmpty else { throw .missingInput(field: "name") }
        var uris: [String] = []
        for line in (form.value("redirect_uris") ?? "").split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            uris.append(try Validation.redirectURI(String(line)))
        }
        guard !uris.isEmpty else { throw .missingInput(field: "redirect_uris") }
        guard uris.count <= 20 else { throw .invalidInput(field: "redirect_uris", reason: "at most 20") }
        return ClientStore.Settings(
            name: name,
            description: try Validation.text(form.value("description") ?? "", field: "description", maxLength: 500),
            website: try Validation.website(form.value("website") ?? ""),
            redirectURIs: uris,
            disableImplicit: form.value("disable_implicit") == "on",
            enforceSigned: form.value("enforce_signed") == "on",
            enforceSignedHeader: form.value("enforce_signed_header") == "on",
            strictRedirectURI: form.value("strict_redirect_uri") == "on"
        )
    }

    @Sendable private func register(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        do {
            let limit = visit.isOperator ? nil : web.dependencies.appsPerPerson
            let client = try await clients.create(try settings(visit.form), ownerID: user.id, limit: limit)
            return web.redirect(to: "/developer/clients/\(client.clientID)")
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return try await listPage(visit, user: user, error: message)
        }
    }

    private func page(for client: Client, _ visit: Web.Visit, user: User, error: String? = nil) async throws -> Response {
        let storage = web.dependencies.storage
        let subscriptions = try await storage.subscriptions.list(for: client.ref)
        let deliveries = try await storage.notifications.recent(for: client.ref, limit: 50)
        return web.page(
            "developer/client",
            title: client.name,
            status: error == nil ? .ok : .badRequest,
            visit,
            [
                "clientID": client.clientID, "clientSecret": client.clientSecret, "form": form(client, visit),
                "subscriptions": subscriptions.map {
                    ["id": String($0.id), "object": $0.object.rawValue, "objectID": $0.objectID ?? "", "callback": $0.callbackURL]
                },
                "deliveries": deliveries.map { record -> [String: Any] in
                    let state =
                        record.deliveredAt != nil ? "delivered" : record.failedAt != nil ? "failed" : record.attempts > 0 ? "retrying" : "waiting"
                    return [
                        "id": String(record.id), "what": "\(record.object) \(record.objectID)", "media": String(record.mediaID.rawValue),
                        "when": PageModels.date(record.createdAt, time: true), "state": state, "attempts": record.attempts,
                        "status": record.lastStatus.map { String($0) } ?? "–", "error": record.lastError ?? "", "failed": record.failedAt != nil,
                    ]
                },
            ],
            error: error
        )
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
            return try await page(for: client, visit, user: user, error: message)
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
