import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// `/accounts/import…`: a person brings in an Instagram download — uploads its zip (or parts), follows the import's
/// progress and failures, reviews held posts (publish or discard), and can undo an import. The work is
/// `ArchiveImports`' and the `import-archive` job's, as it is for `darkroom user import-instagram`.
struct ArchiveImportController {
    let web: Web
    var storage: Storage { web.dependencies.storage }
    var imports: ArchiveImports { storage.archiveImports }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/accounts/import", page)
        // Streamed: the body is read by `ArchiveUpload`, which checks the CSRF value before writing anything.
        routes.router.post("/accounts/import") { request, context in
            let visit = try await web.visit(request, context: context, readingBody: false)
            guard let user = visit.user else { return web.redirect(to: "/accounts/login?next=/accounts/import") }
            return try await upload(request, visit: visit, user: user)
        }
        routes.post("/accounts/import/publish") { visit in
            let user = try visit.requireUser()
            let keys = visit.form.value("key").map { [$0] }
            let posted = try await imports.publish(of: user.id, keys: keys)
            throw WebRedirect(location: "/accounts/import?published=\(posted)")
        }
        routes.post("/accounts/import/discard") { visit in
            let user = try visit.requireUser()
            _ = try await imports.discard(of: user.id, key: visit.form.value("key") ?? "")
            throw WebRedirect(location: "/accounts/import")
        }
        routes.post("/accounts/import/follows") { visit in
            let user = try visit.requireUser()
            guard let file = visit.files["follows"]?.first, !file.isEmpty else {
                return try await page(visit, error: "Choose the CSV file of the accounts you follow.", status: .badRequest)
            }
            let csv = FollowsCSV(storage: storage, publicURL: web.dependencies.links.publicURL, federation: web.dependencies.federation)
            do {
                let outcome = try await csv.importList(String(decoding: file, as: UTF8.self), for: user.id)
                return try await page(visit, follows: outcome)
            } catch let error as DomainError {
                return try await page(visit, error: WebError(error).message, status: .badRequest)
            }
        }
        routes.post("/accounts/import/undo") { visit in
            let user = try visit.requireUser()
            guard visit.form.value("confirm") == "on", let id = visit.form.value("id").flatMap(Int64.init) else {
                return try await page(visit, error: "Tick the box to confirm that everything this import brought in goes.", status: .badRequest)
            }
            try await imports.undo(id, owner: user.id)
            throw WebRedirect(location: "/accounts/import")
        }
    }

    private func upload(_ request: Request, visit: Web.Visit, user: User) async throws -> Response {
        // Before a byte is read: one import per account at a time, so its archive is the only one on disk.
        if let latest = try await imports.list(of: user.id, limit: 1).first, latest.isUnderWay || latest.state == .undoing {
            return try await page(visit, error: "An import is under way already; wait for it to end.", status: .conflict)
        }
        let folder = imports.folder + "/upload-" + storage.environment.randomHex(bytes: 12)
        do {
            let upload = try await ArchiveUpload.receive(
                request,
                into: folder,
                limit: web.dependencies.archiveLimit,
                csrfCookie: visit.cookies[Web.csrfCookie]?.value
            )
            let visibility = ArchiveImports.Visibility(rawValue: upload.fields["visibility"] ?? "") ?? .public
            do {
                _ = try await imports.start(for: user.id, source: .instagram, paths: upload.paths, ownsFiles: true, visibility: visibility)
            } catch {
                try? FileManager.default.removeItem(atPath: folder)
                throw error
            }
            return web.redirect(to: "/accounts/import")
        } catch let refused as ArchiveUpload.Refused {
            return try await page(visit, error: refused.message, status: refused.status)
        } catch let error as DomainError {
            return try await page(visit, error: WebError(error).message, status: .conflict)
        }
    }

    @Sendable private func page(_ visit: Web.Visit) async throws -> Response {
        let published = visit.query.value("published").flatMap(Int.init)
        return try await page(visit, notice: published.map { "Posted \($0) \($0 == 1 ? "post" : "posts")." })
    }

    private func page(
        _ visit: Web.Visit,
        error: String? = nil,
        notice: String? = nil,
        status: HTTPResponse.Status = .ok,
        follows: FollowsCSV.Outcome? = nil
    ) async throws -> Response {
        let user = try visit.requireUser()
        var data: [String: Any] = ["mayUpload": true, "limit": "\(web.dependencies.archiveLimit >> 30) GB"]
        if let follows {
            data["follows"] =
                [
                    "followed": follows.followed.count, "requested": follows.requested.count, "already": follows.already.count,
                    "notFound": follows.notFound, "hasNotFound": !follows.notFound.isEmpty, "notFoundCount": follows.notFound.count,
                    "refused": follows.refused,
                    "hasRefused": !follows.refused.isEmpty,
                ] as [String: Any]
        }
        if let latest = try await imports.list(of: user.id, limit: 1).first {
            data["import"] = try await describe(latest)
            data["working"] = latest.isUnderWay || latest.state == .undoing
            data["mayUpload"] = !(latest.isUnderWay || latest.state == .undoing)
        }
        let held = try await imports.held(of: user.id, limit: 200)
        if !held.isEmpty {
            let links = web.dependencies.links
            data["hasHeld"] = true
            data["heldCount"] = try await imports.heldCount(of: user.id)
            data["held"] = held.map { post -> [String: Any] in
                let first = post.post.photos[0]
                let renditions = Renditions(key: first.key, standard: first.standard, low: first.low, thumbnail: first.thumbnail)
                return [
                    "key": post.key, "date": PageModels.date(post.takenAt), "caption": post.post.caption ?? "",
                    "thumbnail": links.rendition(renditions, "low"), "photos": post.post.photos.count,
                    "carousel": post.post.photos.count > 1,
                ]
            }
        }
        return web.page("accounts/import", title: "Bring in your photos", status: status, visit, data, error: error, notice: notice)
    }

    /// The import as the page shows it: what it is doing, how far it is, and what went wrong.
    private func describe(_ found: ArchiveImports.Import) async throws -> [String: Any] {
        let processed = found.done + found.failed
        var view: [String: Any] = [
            "id": String(found.id), "done": found.done, "failed": found.failed, "total": max(found.total, 1), "processed": processed,
            "started": PageModels.date(found.createdAt, time: true),
            "held": found.visibility == .held,
        ]
        switch found.state {
        case .queued: view["status"] = "Waiting to start."
        case .running:
            view["status"] = found.total == 0 ? "Reading the archive." : "Importing: \(processed) of \(found.total) posts."
            if let started = found.startedAt, processed > 0, found.total > processed {
                let elapsed = max(1, storage.environment.nowSeconds - started)
                let left = Int64(Double(elapsed) * Double(found.total - processed) / Double(processed))
                view["timeLeft"] = Duration.seconds(left).formatted(.units(allowed: [.hours, .minutes, .seconds], width: .wide, maximumUnitCount: 2))
            }
        case .done:
            view["status"] = "Finished: \(found.done) of \(found.total) posts imported."
            let videos = try await imports.processingVideos(of: found.id)
            if videos > 0 { view["videos"] = "\(videos) \(videos == 1 ? "video is" : "videos are") still being processed; each appears when ready." }
        case .failed: view["status"] = "The archive could not be imported: \(found.failure ?? "unknown reason")."
        case .undoing: view["status"] = "Removing what this import brought in."
        case .undone: view["status"] = "Undone: what this import brought in was removed."
        }
        view["mayUndo"] = [.running, .done, .failed].contains(found.state) && found.done > 0
        if found.failed > 0 {
            view["hasFailures"] = true
            view["failures"] = try await imports.failures(of: found.id, limit: 100).map {
                ["date": PageModels.date($0.takenAt), "reason": $0.reason]
            }
        }
        return view
    }
}
