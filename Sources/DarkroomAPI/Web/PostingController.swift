import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation
import Hummingbird

/// Posting a photo from the browser, in two steps and without JavaScript: `/create` takes the file (and a caption,
/// which `?caption=` can fill in, as the share hook does); the server renders the photo under every filter and shows
/// them to choose from, with the caption and place; publishing goes through `PhotoPosting`, as the API's upload does.
///
/// Previews are made by the server, not the browser: the page works without script, and each preview comes from
/// the same filter code as the post, so what is chosen is exactly what is posted (a browser-side copy of twenty
/// looks would drift from it).
struct PostingController {
    let web: Web
    var storage: Storage { web.dependencies.storage }
    var drafts: PhotoDrafts { PhotoDrafts(dataDirectory: storage.files.dataDirectory, environment: storage.environment) }

    static let previewSize = 150

    func addRoutes(to routes: WebRoutes) {
        routes.get("/create") { visit in
            _ = try visit.requireUser()
            return pickPage(visit)
        }
        routes.post("/create", stage)
        routes.get("/create/drafts/:token/:file", preview)
        routes.post("/create/drafts/:token", publish)
    }

    private func pickPage(_ visit: Web.Visit, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let caption = visit.form.value("caption") ?? visit.query.value("caption") ?? ""
        return web.page("create/pick", title: "New photo", status: status, visit, ["caption": caption], error: error)
    }

    static func previewName(_ filter: Filter) -> String {
        String(filter.name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }) + ".jpg"
    }

    @Sendable private func stage(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        guard let photo = visit.files["photo"], !photo.isEmpty else { return pickPage(visit, error: "Choose a photo first.", status: .badRequest) }
        let previews: [(filter: Filter, jpeg: [UInt8])]
        do {
            _ = try Validation.caption(visit.form.value("caption"))
            previews = try await web.dependencies.ingest.previews(of: photo, size: Self.previewSize)
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return pickPage(visit, error: message, status: .badRequest)
        }
        let token = try drafts.create(for: user.id, photo: photo, previews: previews.map { (Self.previewName($0.filter), $0.jpeg) })
        return filtersPage(visit, token: token, previews: previews.map(\.filter))
    }

    private func filtersPage(_ visit: Web.Visit, token: String, previews: [Filter] = Filter.all, error: String? = nil) -> Response {
        let chosen = visit.form.value("filter").flatMap(Filter.named) ?? Filter.normal
        return web.page(
            "create/filters",
            title: "Choose a filter",
            status: error == nil ? .ok : .badRequest,
            visit,
            [
                "token": token,
                "filters": previews.map { ["name": $0.name, "src": "/create/drafts/\(token)/\(Self.previewName($0))", "checked": $0 == chosen] },
                "size": Self.previewSize, "caption": visit.form.value("caption") ?? "",
                "locationName": visit.form.value("location_name") ?? "",
                "placeOpen": !(visit.form.value("location_name") ?? "").isEmpty || !(visit.form.value("lat") ?? "").isEmpty,
                "lat": visit.form.value("lat") ?? "", "lng": visit.form.value("lng") ?? "",
            ],
            error: error
        )
    }

    @Sendable private func preview(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let parts = visit.path.split(separator: "/")
        guard parts.count == 4, let bytes = drafts.file(String(parts[3]), token: String(parts[2]), owner: user.id), parts[3].hasSuffix(".jpg") else {
            throw WebError(status: .notFound, message: "This preview is gone. Choose the photo again.")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "image/jpeg", .cacheControl: "private, max-age=3600", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    @Sendable private func publish(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let token = visit.path.split(separator: "/").dropFirst(2).first.map(String.init) ?? ""
        guard let photo = drafts.file("photo", token: token, owner: user.id) else {
            throw WebError(status: .notFound, message: "This photo is no longer waiting to be posted. Choose it again.")
        }
        let id: MediaID
        do {
            // The draft's token is the idempotency key: a second click on Post makes no second photo.
            id = try await PhotoPosting(dependencies: web.dependencies).publish(photo, fields: visit.form, idempotencyKey: token, by: user.id)
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return filtersPage(visit, token: token, error: message)
        }
        drafts.remove(token: token, owner: user.id)
        return web.redirect(to: "/p/\(Shortcode.encode(id))/")
    }
}
