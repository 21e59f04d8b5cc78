import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/accounts/security`: the person's signed-in browsers (end one, or all but this one), the apps holding tokens
/// (revoked on `/accounts/applications`), and their security log.
struct SecurityController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/accounts/security") { visit in try await securityPage(visit, user: visit.requireUser()) }
        routes.post("/accounts/security/sessions/end", endSessions)
        routes.post("/accounts/security/apps/end", endApps)
    }

    private func securityPage(_ visit: Web.Visit, user: User, notice: String? = nil) async throws -> Response {
        let sessions = try await storage.sessions.list(of: user.id, current: visit.sessionID)
        let apps = try await storage.tokens.authorizedApps(of: user.id)
        let log = try await storage.securityLog.recent(of: user.id)
        return web.page(
            "accounts/security",
            title: "Security",
            visit,
            [
                "sessions": sessions.map { session in
                    [
                        "handle": session.handle, "device": session.device.isEmpty ? "A browser" : session.device,
                        "address": session.address, "since": PageModels.date(session.createdAt, time: true),
                        "seen": PageModels.date(session.lastSeenAt, time: true), "current": session.isCurrent,
                    ] as [String: Any]
                },
                "hasOthers": sessions.contains { !$0.isCurrent },
                "hasApps": !apps.isEmpty,
                "apps": apps.map { ["name": $0.client.name, "scopes": Scope.render($0.scopes), "clientID": $0.client.clientID] },
                "hasLog": !log.isEmpty,
                "log": log.map { entry in
                    [
                        "what": entry.kind.description, "detail": entry.detail, "address": entry.address,
                        "when": PageModels.date(entry.createdAt, time: true), "failed": entry.kind == .signInFailed,
                    ] as [String: Any]
                },
            ],
            notice: notice
        )
    }

    /// Revokes every app's tokens at once (one app's are revoked from the list, as on `/accounts/applications`).
    @Sendable private func endApps(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let apps = try await storage.tokens.authorizedApps(of: user.id)
        for app in apps { try await storage.tokens.revoke(user: user.id, client: app.client.ref) }
        if !apps.isEmpty { try await storage.securityLog.record(.appsSignedOut, user: user.id, from: visit.origin) }
        return try await securityPage(visit, user: user, notice: apps.count == 1 ? "Signed out 1 app." : "Signed out \(apps.count) apps.")
    }

    @Sendable private func endSessions(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let handle = visit.form.value("session")
        let ended = try await storage.sessions.end(of: user.id, handle: handle == "all" ? nil : handle, keeping: visit.sessionID)
        if ended > 0 {
            let detail = ended == 1 ? "1 browser" : "\(ended) browsers"
            try await storage.securityLog.record(.sessionEnded, user: user.id, from: visit.origin, detail: detail)
        }
        return try await securityPage(visit, user: user, notice: ended == 1 ? "Signed out 1 browser." : "Signed out \(ended) browsers.")
    }
}
