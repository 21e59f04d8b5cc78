import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// Sign-up as operators run it: `/admin/signups` (the mode, whether members may invite, whether an email address is
/// required, blocked email domains, and the requests waiting for approval, approved or rejected with a mail) and
/// invitation links, made by operators in `/admin/invites` and, when allowed, by members in `/accounts/invites`.
struct SignupAdminController {
    let web: Web
    var storage: Storage { web.dependencies.storage }
    var mails: MailComposer { web.dependencies.mails }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/admin/signups") { visit in
            _ = try visit.requireOperator()
            return try await signupsPage(visit)
        }
        routes.post("/admin/signups/settings", saveSettings)
        routes.post("/admin/signups/:id/approve") { visit in try await decide(visit, approve: true) }
        routes.post("/admin/signups/:id/reject") { visit in try await decide(visit, approve: false) }
        routes.get("/admin/invites") { visit in
            _ = try visit.requireOperator()
            return try await invitesPage(visit, mine: nil)
        }
        routes.post("/admin/invites", create)
        routes.post("/admin/invites/:id/revoke", revoke)
        routes.get("/accounts/invites") { visit in try await membersInvitesPage(visit) }
        routes.post("/accounts/invites", create)
        routes.post("/accounts/invites/:id/revoke", revoke)
    }

    // MARK: Settings and requests

    private func signupsPage(_ visit: Web.Visit, error: String? = nil, notice: String? = nil) async throws -> Response {
        let policy = try await web.dependencies.signupPolicy()
        let requests = try await storage.signups.requests()
        return web.page(
            "admin/signups",
            title: "Sign-ups",
            status: error == nil ? .ok : .badRequest,
            visit,
            [
                "modes": SignupPolicy.Mode.allCases.map { ["value": $0.rawValue, "label": $0.label, "selected": $0 == policy.mode] },
                "membersMayInvite": policy.membersMayInvite, "requiresEmail": policy.requiresEmail,
                "blockedDomains": policy.blockedEmailDomains.joined(separator: "\n"),
                "hasRequests": !requests.isEmpty,
                "requests": requests.map { request in
                    [
                        "id": String(request.user.rawValue), "username": request.username, "email": request.email, "reason": request.reason,
                        "when": PageModels.date(request.createdAt, time: true),
                    ]
                },
            ],
            error: error,
            notice: notice
        )
    }

    @Sendable private func saveSettings(_ visit: Web.Visit) async throws -> Response {
        _ = try visit.requireOperator()
        guard let mode = visit.form.value("mode").flatMap(SignupPolicy.Mode.init(rawValue:)) else {
            return try await signupsPage(visit, error: "Choose a sign-up mode.")
        }
        let domains = SignupPolicy.domains([
            try Validation.text(visit.form.value("blocked_domains") ?? "", field: "blocked_domains", maxLength: 20_000)
        ])
        guard domains.allSatisfy({ (try? Validation.email("a@" + $0)) != nil }) else {
            return try await signupsPage(visit, error: "Each blocked domain must look like example.com.")
        }
        let policy = SignupPolicy(
            mode: mode,
            membersMayInvite: visit.form.value("members_may_invite") == "on",
            requiresEmail: visit.form.value("requires_email") == "on",
            blockedEmailDomains: domains
        )
        try await storage.signups.save(policy)
        return try await signupsPage(visit, notice: "Saved.")
    }

    private func decide(_ visit: Web.Visit, approve: Bool) async throws -> Response {
        let user = try visit.requireOperator()
        guard let id = visit.path.split(separator: "/").dropLast().last.flatMap({ Int64($0) }) else {
            throw WebError(status: .notFound, message: "There is no such request.")
        }
        let mails = self.mails
        let actor = Web.moderationActor(user)
        let decided =
            approve
            ? try await storage.decideSignup.approve(UserID(id), actor: actor) { address, username, token in
                mails.signupApproved(to: address, username: username, token: token)
            }
            : try await storage.decideSignup.reject(UserID(id), actor: actor) { address, username in
                mails.signupRejected(to: address, username: username)
            }
        guard decided else { return try await signupsPage(visit, error: "That request was decided already.") }
        return try await signupsPage(
            visit,
            notice: approve ? "Approved; they were told by mail." : "Rejected; they were told by mail."
        )
    }

    // MARK: Invitations

    private func invitesPage(_ visit: Web.Visit, mine: User?, notice: String? = nil) async throws -> Response {
        let invites = try await storage.signups.invites(by: mine?.id)
        let now = storage.environment.nowSeconds
        let base = mine == nil ? "/admin/invites" : "/accounts/invites"
        return web.page(
            mine == nil ? "admin/invites" : "accounts/invites",
            title: "Invitations",
            visit,
            [
                "action": base, "hasInvites": !invites.isEmpty,
                "invites": invites.map { invite in
                    [
                        "id": String(invite.id), "link": web.dependencies.links.publicURL + "/accounts/signup?invite=" + invite.code,
                        "uses": "\(invite.uses) of \(invite.maxUses)", "expires": PageModels.date(invite.expiresAt),
                        "by": invite.creator.map { "@" + $0 } ?? "an operator", "live": invite.isLive(at: now),
                    ] as [String: Any]
                },
            ],
            notice: notice
        )
    }

    private func membersInvitesPage(_ visit: Web.Visit, notice: String? = nil) async throws -> Response {
        let user = try visit.requireUser()
        guard try await web.dependencies.signupPolicy().membersMayInvite || visit.isOperator else {
            throw WebError(status: .notFound, message: "Members of this server cannot make invitations.")
        }
        return try await invitesPage(visit, mine: user, notice: notice)
    }

    @Sendable private func create(_ visit: Web.Visit) async throws -> Response {
        let asOperator = visit.path.hasPrefix("/admin/")
        let user = asOperator ? try visit.requireOperator() : try visit.requireUser()
        if !asOperator, try await !web.dependencies.signupPolicy().membersMayInvite, !visit.isOperator {
            throw WebError(status: .notFound, message: "Members of this server cannot make invitations.")
        }
        let uses = Int64(visit.form.value("max_uses") ?? "") ?? 1
        let days = Int64(visit.form.value("days") ?? "") ?? 7
        _ = try await storage.signups.createInvite(by: user.id, maxUses: uses, days: days)
        return asOperator
            ? try await invitesPage(visit, mine: nil, notice: "Invitation made: copy its link below.")
            : try await membersInvitesPage(visit, notice: "Invitation made: copy its link below.")
    }

    @Sendable private func revoke(_ visit: Web.Visit) async throws -> Response {
        let asOperator = visit.path.hasPrefix("/admin/")
        let user = asOperator ? try visit.requireOperator() : try visit.requireUser()
        guard let id = visit.path.split(separator: "/").dropLast().last.flatMap({ Int64($0) }) else {
            throw WebError(status: .notFound, message: "There is no such invitation.")
        }
        try await storage.signups.revokeInvite(id, by: asOperator ? nil : user.id)
        return asOperator
            ? try await invitesPage(visit, mine: nil, notice: "Invitation stopped.")
            : try await membersInvitesPage(visit, notice: "Invitation stopped.")
    }
}
