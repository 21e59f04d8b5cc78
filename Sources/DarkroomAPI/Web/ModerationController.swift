import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// What a report form carries: filled in by the pages that show something reportable.
enum ReportForms {
    static func fields(_ target: ReportTarget, _ id: Int64, label: String, returnTo: String) -> [String: Any] {
        [
            "kind": target.rawValue, "target": String(id), "label": label, "returnTo": returnTo,
            "reasons": ReportReason.allCases.map { ["value": $0.rawValue, "label": $0.label] },
        ]
    }
}

/// `POST /reports` (anyone signed in reports a photo, comment or account they can see) and the operators' admin area
/// under `/admin`: the queue of open reports, the moderation log, and accounts to suspend or reinstate. The work is
/// `ReportStore` and `ModerationStore`'s, as it is for the `darkroom moderation` commands.
struct ModerationController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    func addRoutes(to routes: WebRoutes) {
        routes.post("/reports", report)
        routes.get("/admin", queue)
        routes.post("/admin/reports/:id", settle)
        routes.get("/admin/log", log)
        routes.get("/admin/users", findAccounts)
        routes.post("/admin/media/:id/remove", removeMedia)
        routes.post("/admin/media/:id/comments/:comment/remove", removeComment)
        routes.get("/admin/users/:username", account)
        routes.post("/admin/users/:username/suspend") { visit in try await changeSuspension(visit, suspend: true) }
        routes.post("/admin/users/:username/unsuspend") { visit in try await changeSuspension(visit, suspend: false) }
    }

    // MARK: Reports from people

    @Sendable private func report(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let back = Web.localPath(visit.form.value("next")) ?? "/"
        guard let target = visit.form.value("kind").flatMap(ReportTarget.init(rawValue:)),
            let id = visit.form.value("target").flatMap(Int64.init),
            let reason = visit.form.value("reason").flatMap(ReportReason.init(rawValue:))
        else { throw WebError(status: .badRequest, message: "Choose what you report and why.") }
        let details = try Validation.text(visit.form.value("details") ?? "", field: "details", maxLength: 1000).trimmingSpaces()
        try await storage.reports.file(.init(target: target, id: id, reason: reason, details: details), by: user.id)
        return web.message(
            "Thank you",
            status: .ok,
            visit,
            notice: "Your report was sent to the moderators. They will look at it soon.",
            links: [(back, "Go back")]
        )
    }

    // MARK: The admin area

    @Sendable private func queue(_ visit: Web.Visit) async throws -> Response {
        _ = try visit.requireOperator()
        let reports = try await storage.reports.list(open: true, limit: 200)
        return web.page(
            "admin/queue",
            title: "Reports to review",
            visit,
            [
                "reports": reports.map(describe), "hasReports": !reports.isEmpty,
            ],
            notice: visit.query.value("done").map { _ in "Done." }
        )
    }

    private func describe(_ report: ReportStore.Report) -> [String: Any] {
        var item: [String: Any] = [
            "id": String(report.id), "kind": report.target.rawValue, "reporter": report.reporter, "owner": report.targetUsername,
            "reason": ReportReason(rawValue: report.reason)?.label ?? report.reason, "details": report.details.isEmpty ? false : report.details,
            "when": Date(timeIntervalSince1970: TimeInterval(report.createdAt)).formatted(date: .abbreviated, time: .shortened),
            "removable": report.target != .user && report.mediaExists,
        ]
        if report.mediaExists, let media = report.targetMedia { item["link"] = "/p/\(Shortcode.encode(media))/" }
        item["comment"] = report.commentText
        return item
    }

    @Sendable private func settle(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireOperator()
        guard let id = visit.path.split(separator: "/").last.flatMap({ Int64($0) }),
            let decision = visit.form.value("decision").flatMap(SettleReport.Decision.init(rawValue:))
        else { throw WebError(status: .badRequest, message: "Choose what to do with the report.") }
        let reason = try Validation.text(visit.form.value("reason") ?? "", field: "reason", maxLength: 500).trimmingSpaces()
        guard !reason.isEmpty || decision == .dismiss else {
            throw WebError(status: .badRequest, message: "Say why, for the moderation log.")
        }
        guard
            try await storage.settleReport(
                id,
                decision,
                reason: reason.isEmpty ? "dismissed" : reason,
                actor: Web.moderationActor(user)
            )
        else { throw WebError(status: .notFound, message: "That report was settled already.") }
        throw WebRedirect(location: "/admin?done=1")
    }

    /// An operator removes a photo, or a comment on it, straight from its page.
    @Sendable private func removeMedia(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireOperator()
        let (media, _) = try pathIDs(visit)
        guard try await storage.deleteMedia.byOperator(media, reason: try requiredReason(visit), actor: Web.moderationActor(user))
        else { throw DomainError.notFound(.media) }
        return web.message("Removed", status: .ok, visit, notice: "The photo is removed.", links: [("/admin/log", "The moderation log")])
    }

    @Sendable private func removeComment(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireOperator()
        let (media, comment) = try pathIDs(visit)
        guard let comment, try await storage.removeComment(comment, on: media, reason: try requiredReason(visit), actor: Web.moderationActor(user))
        else { throw DomainError.notFound(.comment) }
        throw WebRedirect(location: "/p/\(Shortcode.encode(media))/")
    }

    /// `/admin/media/{id}[/comments/{comment}]/remove`.
    private func pathIDs(_ visit: Web.Visit) throws -> (MediaID, CommentID?) {
        let parts = visit.path.split(separator: "/")
        guard parts.count >= 4, let media = Int64(parts[2]) else { throw DomainError.notFound(.media) }
        return (MediaID(media), parts.count >= 6 ? Int64(parts[4]).map(CommentID.init) : nil)
    }

    private func requiredReason(_ visit: Web.Visit) throws -> String {
        let reason = try Validation.text(visit.form.value("reason") ?? "", field: "reason", maxLength: 500).trimmingSpaces()
        guard !reason.isEmpty else { throw WebError(status: .badRequest, message: "Say why, for the moderation log.") }
        return reason
    }

    @Sendable private func log(_ visit: Web.Visit) async throws -> Response {
        _ = try visit.requireOperator()
        return web.page("admin/log", title: "Moderation log", visit, ["entries": try await logEntries(user: nil)])
    }

    private func logEntries(user: UserID?) async throws -> [[String: Any]] {
        try await storage.moderation.log(user: user, limit: 200).map { entry in
            var item: [String: Any] = [
                "when": Date(timeIntervalSince1970: TimeInterval(entry.createdAt)).formatted(date: .abbreviated, time: .shortened),
                "actor": entry.actor, "action": entry.action, "reason": entry.reason,
            ]
            // An explicit false for a deleted account: Mustache would otherwise find the page's own username.
            item["username"] = entry.targetUsername ?? false
            return item
        }
    }

    @Sendable private func account(_ visit: Web.Visit) async throws -> Response {
        _ = try visit.requireOperator()
        let found = try await operatorAccount(visit)
        let user = found.user
        var data: [String: Any] = [
            "username": user.username, "fullName": user.summary.fullName, "id": String(user.id.rawValue),
            "media": user.counts.media, "follows": user.counts.follows, "followedBy": user.counts.followedBy,
            "isPrivate": user.isPrivate, "isOperator": found.isOperator, "tokens": found.liveTokens,
            "joined": Date(timeIntervalSince1970: TimeInterval(user.createdAt)).formatted(date: .abbreviated, time: .omitted),
            "entries": try await logEntries(user: user.id),
        ]
        data["suspended"] = found.suspendedAt.map { Date(timeIntervalSince1970: TimeInterval($0)).formatted(date: .abbreviated, time: .shortened) }
        return web.page("admin/user", title: "@\(user.username)", visit, data, notice: visit.query.value("done").map { _ in "Done." })
    }

    /// Accounts whose username starts with what was typed (every account for nothing), 50 a page; one that matches
    /// exactly opens at once.
    @Sendable private func findAccounts(_ visit: Web.Visit) async throws -> Response {
        _ = try visit.requireOperator()
        var typed = visit.query.value("username")?.trimmingCharacters(in: .whitespaces) ?? ""
        if typed.hasPrefix("@") { typed.removeFirst() }
        let after = visit.query.value("after")
        if after == nil, !typed.isEmpty, let exact = try await storage.operators.account(username: typed) {
            throw WebRedirect(location: "/admin/users/" + Parameters.encode(exact.user.username))
        }
        let pageSize = 50
        let found = try await storage.operators.accounts(startingWith: typed, after: after, limit: pageSize + 1)
        let shown = found.prefix(pageSize)
        let next: Any =
            found.count > pageSize
            ? "/admin/users?username=\(Parameters.encode(typed))&after=\(Parameters.encode(shown.last!.user.username))" : false
        return web.page(
            "admin/users",
            title: typed.isEmpty ? "Accounts" : "Accounts starting with “\(typed)”",
            visit,
            [
                "query": typed, "next": next, "hasAccounts": !shown.isEmpty,
                "accounts": shown.map { account -> [String: Any] in
                    [
                        "username": account.user.username, "fullName": account.user.summary.fullName, "suspended": account.suspendedAt != nil,
                        "isOperator": account.isOperator,
                    ]
                },
            ]
        )
    }

    private func operatorAccount(_ visit: Web.Visit) async throws -> OperatorStore.Account {
        let username = visit.path.split(separator: "/").dropFirst(2).first.map { String($0).removingPercentEncoding ?? String($0) } ?? ""
        guard let found = try await storage.operators.account(username: username) else { throw DomainError.notFound(.user) }
        return found
    }

    private func changeSuspension(_ visit: Web.Visit, suspend: Bool) async throws -> Response {
        let user = try visit.requireOperator()
        let found = try await operatorAccount(visit)
        let reason = try requiredReason(visit)
        guard found.user.id != user.id else { throw WebError(status: .badRequest, message: "You cannot suspend your own account.") }
        if suspend {
            _ = try await storage.suspendAccount.suspend(found.user.id, reason: reason, actor: Web.moderationActor(user))
        } else {
            _ = try await storage.suspendAccount.reinstate(found.user.id, reason: reason, actor: Web.moderationActor(user))
        }
        throw WebRedirect(location: "/admin/users/\(Parameters.encode(found.user.username))?done=1")
    }
}
