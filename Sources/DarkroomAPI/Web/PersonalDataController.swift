import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird
import NIOPosix

/// `/accounts/export…` and `/accounts/delete`: a person downloads their data and deletes their account. The work is
/// `DataExports` and `DeleteAccount`'s, as it is for `darkroom user export|delete`.
struct PersonalDataController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/accounts/export", exportPage)
        routes.post("/accounts/export") { visit in
            _ = try await storage.dataExports.request(for: try visit.requireUser().id)
            throw WebRedirect(location: "/accounts/export")
        }
        routes.get("/accounts/export/download", download)
        routes.get("/accounts/export/follows.csv") { visit in
            let user = try visit.requireUser()
            let csv = try await FollowsCSV(storage: storage, publicURL: web.dependencies.links.publicURL).export(of: user.id)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"following_accounts.csv\"",
                    .cacheControl: "private, no-store", .xContentTypeOptions: "nosniff",
                ],
                body: .init(byteBuffer: ByteBuffer(string: csv))
            )
        }
        routes.post("/accounts/moved") { visit in
            let user = try visit.requireUser()
            let raw = (visit.form.value("moved_to") ?? "").trimmingCharacters(in: .whitespaces)
            let url: String?
            do {
                url = raw.isEmpty ? nil : try Validation.website(raw)
            } catch let error as DomainError {
                return web.message("That did not work", status: .badRequest, visit, error: WebError(error).message)
            }
            try await storage.users.setMovedTo(url, of: user.id)
            throw WebRedirect(location: "/accounts/export")
        }
        routes.post("/accounts/aliases", addAlias)
        routes.post("/accounts/aliases/remove") { visit in
            let user = try visit.requireUser()
            try await storage.federation.removeAlias(visit.form.value("alias") ?? "", of: user.id)
            throw WebRedirect(location: "/accounts/export#moving-here")
        }
        routes.get("/accounts/delete") { visit in
            _ = try visit.requireUser()
            return deletePage(visit)
        }
        routes.post("/accounts/delete", delete)
    }

    // MARK: Moving here

    /// Names an account on another server as the person's old one (by `@name@host` or its address), so that a move
    /// from it to here is accepted: the old server's followers of it then follow this account.
    @Sendable private func addAlias(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let refused = { (reason: String) in web.message("That did not work", status: .badRequest, visit, error: reason) }
        guard let federation = web.dependencies.federation else {
            return refused("This server does not federate, so it cannot reach accounts on other servers.")
        }
        let raw = (visit.form.value("alias") ?? "").trimmingCharacters(in: .whitespaces)
        let found: KnownRemoteActor
        do {
            if let handle = FediverseHandle(raw) {
                guard handle.host != federation.federation.ap.host else { return refused("That account is on this server.") }
                found = try await federation.actors.resolve(handle: handle)
            } else if let url = URL(string: raw), url.scheme == "https" || url.scheme == "http", let host = url.host(), !host.isEmpty {
                guard CallbackURL.host(of: raw) != federation.federation.ap.host else { return refused("That account is on this server.") }
                found = try await federation.actors.resolve(uri: raw)
            } else {
                return refused("Give your old account as @name@server or as its address.")
            }
        } catch {
            web.dependencies.logger.info("alias not found", metadata: ["alias": "\(raw)", "error": "\(error)"])
            return refused("No account was found at \(raw).")
        }
        do {
            try await storage.federation.addAlias(found.actor.uri, of: user.id)
        } catch let error as DomainError {
            return refused(WebError(error).message)
        }
        throw WebRedirect(location: "/accounts/export#moving-here")
    }

    // MARK: Export

    @Sendable private func exportPage(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        var data: [String: Any] = ["movedTo": try await storage.users.find(user.id)?.movedTo ?? ""]
        if let federation = web.dependencies.federation {
            data["federates"] = true
            data["actor"] = federation.federation.ap.actor(user.username)
            var aliases: [[String: String]] = []
            for uri in try await storage.federation.aliases(of: user.id) {
                let handle = try await storage.federation.actor(uri: uri)?.actor.handle.description
                aliases.append(["uri": uri, "handle": handle ?? uri])
            }
            data["aliases"] = aliases
            data["hasAliases"] = !aliases.isEmpty
        }
        if let export = try await storage.dataExports.latest(of: user.id) {
            let state = export.state
            data["id"] = String(export.id)
            data["working"] = state == .queued || state == .building
            data["ready"] = state == .ready
            data["done"] = export.done
            data["total"] = max(export.total, 1)
            data["size"] = ByteCountFormatter.string(fromByteCount: export.size, countStyle: .file)
            data["asked"] = Self.date(export.createdAt)
            data["until"] = Self.date((export.finishedAt ?? export.createdAt) + DataExports.lifetime)
            data["downloaded"] = state == .downloaded
            data["failed"] = state == .failed || state == .expired
            data["mayAsk"] = !(state == .queued || state == .building || state == .ready)
        } else {
            data["mayAsk"] = true
        }
        return web.page("accounts/export", title: "Download your data", visit, data)
    }

    private static func date(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(date: .long, time: .shortened)
    }

    /// The archive, once, to its owner; streamed from a file already unlinked, so nothing is left behind.
    @Sendable private func download(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        guard let id = visit.query.value("id").flatMap(Int64.init), let (handle, size) = try await storage.dataExports.claim(id, owner: user.id)
        else { throw WebError(status: .notFound, message: "This archive was downloaded already, or is not ready. You can ask for a new one.") }
        return FileDownload.response(handle, size: size, contentType: "application/zip", fileName: "darkroom-\(user.username)-\(id).zip")
    }

    // MARK: Deleting the account

    private func deletePage(_ visit: Web.Visit, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        web.page("accounts/delete", title: "Delete your account", status: status, visit, [:], error: error)
    }

    @Sendable private func delete(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let throttle = web.dependencies.loginThrottle
        guard try await !throttle.isBlocked(address: visit.remoteHost, username: user.username) else {
            return deletePage(visit, error: "Too many wrong passwords. Wait a few minutes and try again.", status: .tooManyRequests)
        }
        guard let confirmed = try await storage.users.authenticate(username: user.username, password: visit.form.value("password") ?? ""),
            confirmed.id == user.id
        else {
            try await throttle.recordFailure(address: visit.remoteHost, username: user.username)
            return deletePage(visit, error: "That is not your password.", status: .badRequest)
        }
        guard try await storage.deleteAccount(user.id, actor: "the account's owner") != nil else {
            throw DomainError.notFound(.user)
        }
        var signedOut = visit
        signedOut.user = nil
        var response = web.message(
            "Your account is deleted",
            status: .ok,
            signedOut,
            notice: "Your photos, comments, likes, follows and everything else of yours are gone from this server."
        )
        response.setCookie(web.clearedSessionCookie())
        return response
    }
}
