import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation
import Hummingbird

/// Posting a photo or a carousel from the browser, in two steps and without JavaScript: `/create` takes the files (and
/// a caption, which `?caption=` can fill in, as the share hook does); the server renders each photo under every filter
/// and shows them to choose from, with each photo's crop, focal point and alt text, and the post's caption and place.
/// "Preview" shows each photo as it will be cut; publishing goes through `PhotoPosting`, as the API's upload does.
///
/// Previews are made by the server, not the browser: the page works without script, and each preview comes from
/// the same filter and crop code as the post, so what is chosen is exactly what is posted (a browser-side copy of
/// twenty looks would drift from it).
struct PostingController {
    let web: Web
    var storage: Storage { web.dependencies.storage }
    var drafts: PhotoDrafts { PhotoDrafts(dataDirectory: storage.files.dataDirectory, environment: storage.environment) }

    static let previewSize = 150
    /// The long edge of a crop preview.
    static let cropPreviewSize = 320

    /// The nine focal points the page offers, as `x,y`, with what a screen reader says of each.
    static let focalPoints: [(value: String, label: String)] = [
        ("0,0", "top left"), ("0.5,0", "top"), ("1,0", "top right"),
        ("0,0.5", "left"), ("0.5,0.5", "centre"), ("1,0.5", "right"),
        ("0,1", "bottom left"), ("0.5,1", "bottom"), ("1,1", "bottom right"),
    ]

    func addRoutes(to routes: WebRoutes) {
        routes.get("/create") { visit in
            _ = try visit.requireUser()
            return pickPage(visit)
        }
        routes.post("/create", refused: refusedUpload, stage)
        routes.get("/create/drafts/:token", draft)
        routes.get("/create/drafts/:token/:file", preview)
        routes.post("/create/drafts/:token", publish)
    }

    private func pickPage(_ visit: Web.Visit, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let caption = visit.form.value("caption") ?? visit.query.value("caption") ?? ""
        return web.page(
            "create/pick",
            title: "New post",
            status: status,
            visit,
            [
                "caption": caption, "accept": (ImageFormat.allCases.map(\.mediaType) + ["video/mp4", "video/quicktime"]).joined(separator: ","),
                "most": Validation.maxCarouselPhotos, "videoSeconds": web.dependencies.videos.maxSeconds,
            ],
            error: error
        )
    }

    /// Photos the server would not read: the posting page again, signed in, with the caption that came before them
    /// and what the limit is.
    @Sendable private func refusedUpload(_ refusal: Web.RefusedInput) async throws -> Response {
        do {
            _ = try refusal.visit.requireUser()
        } catch {
            return web.redirect(to: error.location)
        }
        let status = HTTPResponse.Status(code: refusal.error.code)
        guard status == .contentTooLarge else { return pickPage(refusal.visit, error: refusal.error.message, status: status) }
        let limit = web.dependencies.uploadLimit
        let sent = refusal.declaredBytes.map { "These photos come to \(Self.megabytes($0)); a" } ?? "A"
        let message = "\(sent) post can take up to \(Self.megabytes(limit)) in all. Choose a smaller photo, or fewer of them."
        return pickPage(refusal.visit, error: message, status: status)
    }

    /// A size as people read it: "64 MB" (a megabyte of 2^20 bytes, rounded up so a size over the limit never reads as it).
    static func megabytes(_ bytes: Int) -> String {
        "\((bytes + (1 << 20) - 1) >> 20) MB"
    }

    static func previewName(_ index: Int, _ filter: Filter) -> String {
        "\(index)-" + String(filter.name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }) + ".jpg"
    }

    @Sendable private func stage(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let photos = (visit.files["photo"] ?? []).filter { !$0.isEmpty }
        guard !photos.isEmpty else { return pickPage(visit, error: "Choose a photo first.", status: .badRequest) }
        if photos.count == 1, VideoProbe.looksLikeVideo(photos[0]) { return try await stageVideo(visit, photos[0], by: user.id) }
        guard photos.count <= Validation.maxCarouselPhotos else {
            return pickPage(visit, error: "A post holds at most \(Validation.maxCarouselPhotos) photos.", status: .badRequest)
        }
        var previews: [(name: String, bytes: [UInt8])] = []
        do {
            _ = try Validation.caption(visit.form.value("caption"))
            for (index, photo) in photos.enumerated() {
                do {
                    for preview in try await web.dependencies.ingest.previews(of: photo, size: Self.previewSize) {
                        previews.append((Self.previewName(index, preview.filter), preview.jpeg))
                    }
                } catch let error as APIError where photos.count > 1 {
                    throw APIError.invalidParameter("photo", "photo \(index + 1): " + error.message)
                }
            }
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return pickPage(visit, error: message, status: .badRequest)
        }
        let caption = visit.form.value("caption") ?? ""
        let token = try drafts.create(for: user.id, photos: photos, caption: caption, previews: previews)
        // Redirect-after-post: Back from the next page, or a reload, asks to send nothing again.
        return web.redirect(to: "/create/drafts/\(token)")
    }

    /// A video's draft: checked as the API checks it, then its first frame stands in for the photo on the filters page.
    private func stageVideo(_ visit: Web.Visit, _ video: [UInt8], by user: UserID) async throws -> Response {
        var previews: [(name: String, bytes: [UInt8])] = []
        let frame: [UInt8]
        do {
            _ = try Validation.caption(visit.form.value("caption"))
            let checked = try await PhotoPosting(dependencies: web.dependencies).checkVideo(video, frameAt: 0)
            frame = checked.frame ?? []
            for preview in try await web.dependencies.ingest.previews(of: frame, size: Self.previewSize) {
                previews.append((Self.previewName(0, preview.filter), preview.jpeg))
            }
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return pickPage(visit, error: message, status: .badRequest)
        }
        let token = try drafts.create(for: user, photos: [frame], video: video, caption: visit.form.value("caption") ?? "", previews: previews)
        return web.redirect(to: "/create/drafts/\(token)")
    }

    /// A draft's page, as the upload left it; once posted, the post itself (the token was its idempotency key).
    @Sendable private func draft(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let token = visit.path.split(separator: "/").dropFirst(2).first.map(String.init) ?? ""
        guard let photos = drafts.photos(token: token, owner: user.id) else {
            if PhotoDrafts.isToken(token), let posted = try await storage.mediaWriter.upload(token, by: user.id) {
                return web.redirect(to: "/p/\(Shortcode.encode(posted))/")
            }
            if PhotoDrafts.isToken(token), let waiting = try await storage.videoUploads.find(idempotencyKey: token, owner: user.id) {
                return web.redirect(to: "/p/\(Shortcode.encode(waiting.id))/")
            }
            throw WebError(status: .notFound, message: "This photo is no longer waiting to be posted. Choose it again.")
        }
        let caption = drafts.file("caption", token: token, owner: user.id).map { String(decoding: $0, as: UTF8.self) } ?? ""
        var form = visit.form
        form.append(contentsOf: Parameters(pairs: [("caption", caption)]))
        return try await filtersPage(visit, form: form, token: token, photos: photos)
    }

    private func filtersPage(
        _ visit: Web.Visit,
        form: Parameters? = nil,
        token: String,
        photos drafted: [[UInt8]],
        error: String? = nil
    ) async throws -> Response {
        let form = form ?? visit.form
        let count = drafted.count
        let photos = drafted.enumerated().map { index, photo -> [String: Any] in
            let chosen = form.value("filter_\(index)").flatMap(Filter.named) ?? Filter.normal
            let shape = form.value("crop_\(index)").flatMap(Crop.Shape.init(rawValue:)) ?? .original
            let focus = form.value("focal_point_\(index)").flatMap { value in Self.focalPoints.first { $0.value == value }?.value } ?? "0.5,0.5"
            let cropQuery = "crop=\(shape.rawValue)&focal_point=\(focus)&filter=" + Parameters.encode(chosen.name)
            let frame = cropFrame(photo, crop: (try? Validation.crop(shape.rawValue, focalPoint: focus)) ?? Crop())
            return [
                "index": index, "number": index + 1, "count": count, "isCarousel": count > 1,
                "filters": Filter.all.map {
                    ["name": $0.name, "src": "/create/drafts/\(token)/\(Self.previewName(index, $0))", "checked": $0 == chosen, "index": index]
                },
                "original": shape == .original, "square": shape == .square,
                "focalPoints": Self.focalPoints.map { ["value": $0.value, "label": $0.label, "checked": $0.value == focus, "index": index] },
                "cropSrc": "/create/drafts/\(token)/crop-\(index).jpg?\(cropQuery)",
                "cropWidth": frame.width, "cropHeight": frame.height,
                "whole": "/create/drafts/\(token)/whole-\(index).jpg",
                "altText": form.value("alt_text_\(index)") ?? "",
                "tags": DraftTags.tags(form, photo: index).map { ["username": $0.username, "value": $0.value, "index": index] },
                "tagUsername": form.value("tag_username_\(index)") ?? "",
            ]
        }
        var data: [String: Any] = [
            "token": token, "photos": photos, "size": Self.previewSize, "caption": form.value("caption") ?? "",
            "cropSize": Self.cropPreviewSize, "altLimit": Validation.altTextLength,
            "isVideo": drafts.hasVideo(token: token, owner: visit.user?.id), "coverTime": form.value("cover_time") ?? "0",
        ]
        let places = PlacePicker(web: web)
        let takenAt = drafted.first.flatMap(places.position)
        for (key, value) in try await places.fields(form, viewer: visit.user?.id, takenAt: takenAt) { data[key] = value }
        return web.page(
            "create/filters",
            title: data["isVideo"] as? Bool == true ? "Your video" : count > 1 ? "Your \(count) photos" : "Your photo",
            status: error == nil ? .ok : .badRequest,
            visit,
            data,
            error: error,
            scripts: true
        )
    }

    /// The size the crop preview is drawn at: the crop's region, scaled as `cropPreview` scales it. The tagging image
    /// is drawn at exactly this size, so a click's position within it is a position on the photo.
    private func cropFrame(_ photo: [UInt8], crop: Crop) -> PixelSize {
        guard let size = try? web.dependencies.ingest.pipeline.uprightSize(of: photo) else {
            return PixelSize(width: Self.cropPreviewSize, height: Self.cropPreviewSize)
        }
        let region = crop.region(width: size.width, height: size.height)
        let scale = min(1, Double(Self.cropPreviewSize) / Double(max(region.width, region.height, 1)))
        return PixelSize(width: max(1, Int((Double(region.width) * scale).rounded())), height: max(1, Int((Double(region.height) * scale).rounded())))
    }

    /// A tagging button: the person named is checked as the API checks people in a photo (they exist and do not block
    /// the one tagging), then the page comes back with the tag in its form.
    private func tagging(_ action: DraftTags.Action, _ visit: Web.Visit, token: String, photos: [[UInt8]], by user: User) async throws -> Response {
        switch action {
        case .untag(let photo, let username):
            let kept = DraftTags.tags(visit.form, photo: photo).filter { $0.username != username }
            return try await filtersPage(visit, form: DraftTags.form(visit.form, photo: photo, tags: kept), token: token, photos: photos)
        case .tag(let photo, let x, let y):
            let typed = (visit.form.value("tag_username_\(photo)") ?? "").trimmingSpaces()
            let name = typed.hasPrefix("@") ? String(typed.dropFirst()) : typed
            guard !name.isEmpty else {
                return try await filtersPage(visit, token: token, photos: photos, error: "Type the username of the person to tag first.")
            }
            let missing = "There is no account named @\(name)."
            guard let person = try await storage.users.find(username: name) else {
                return try await filtersPage(visit, token: token, photos: photos, error: missing)
            }
            do {
                try await storage.relationships.authorize(.tagInPhoto, actor: user.id, target: person.id)
            } catch is DomainError {
                return try await filtersPage(visit, token: token, photos: photos, error: missing)
            }
            var tags = DraftTags.tags(visit.form, photo: photo).filter { $0.user != person.id }
            guard tags.count < Validation.maxPeopleInPhoto else {
                return try await filtersPage(
                    visit,
                    token: token,
                    photos: photos,
                    error: "A photo can have at most \(Validation.maxPeopleInPhoto) people tagged."
                )
            }
            tags.append(DraftTags.Tag(user: person.id, x: x, y: y, username: person.username))
            return try await filtersPage(visit, form: DraftTags.form(visit.form, photo: photo, tags: tags), token: token, photos: photos)
        }
    }

    /// A draft's file: a filter preview as stored, or a photo drawn on demand — `whole-N.jpg`, the whole photo (the
    /// focal point picker's background), or `crop-N.jpg?crop=…&focal_point=…&filter=…`, cut and filtered as it will be.
    @Sendable private func preview(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let parts = visit.path.split(separator: "/")
        let gone = WebError(status: .notFound, message: "This preview is gone. Choose the photo again.")
        guard parts.count == 4, parts[3].hasSuffix(".jpg") else { throw gone }
        let (token, name) = (String(parts[2]), String(parts[3].dropLast(4)))
        let bytes: [UInt8]
        if let drawn = name.split(separator: "-", maxSplits: 1).last.flatMap({ Int($0) }), name.hasPrefix("crop-") || name.hasPrefix("whole-") {
            guard let photo = drafts.file("photo-\(drawn)", token: token, owner: user.id) else { throw gone }
            var crop = (try? Validation.crop(visit.query.value("crop"), focalPoint: visit.query.value("focal_point"))) ?? Crop()
            if name.hasPrefix("whole-") { crop = Crop() }
            let filter = name.hasPrefix("whole-") ? Filter.normal : (visit.query.value("filter").flatMap(Filter.named) ?? .normal)
            bytes = try await web.dependencies.ingest.cropPreview(
                of: photo,
                filter: filter,
                crop: crop,
                size: Self.cropPreviewSize,
                whole: name.hasPrefix("whole-")
            )
        } else {
            guard let stored = drafts.file(name + ".jpg", token: token, owner: user.id) else { throw gone }
            bytes = stored
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
        guard let photos = drafts.photos(token: token, owner: user.id) else {
            throw WebError(status: .notFound, message: "This photo is no longer waiting to be posted. Choose it again.")
        }
        if ["preview", "find_place"].contains(visit.form.value("action")) { return try await filtersPage(visit, token: token, photos: photos) }
        if let action = DraftTags.action(in: visit.form, count: photos.count) {
            return try await tagging(action, visit, token: token, photos: photos, by: user)
        }
        let id: MediaID
        do {
            // The draft's token is the idempotency key: a second click on Post makes no second post.
            let posting = PhotoPosting(dependencies: web.dependencies)
            let fields = Self.postingFields(visit.form, count: photos.count)
            if let video = drafts.file("video", token: token, owner: user.id) {
                switch try await posting.publishVideo(video, fields: fields, idempotencyKey: token, by: user.id) {
                case .posted(let posted), .processing(let posted): id = posted
                }
            } else {
                id = try await posting.publish(photos, fields: fields, idempotencyKey: token, by: user.id)
            }
        } catch {
            guard let message = WebError.formMessage(error) else { throw error }
            return try await filtersPage(visit, token: token, photos: photos, error: message)
        }
        drafts.remove(token: token, owner: user.id)
        return web.redirect(to: "/p/\(Shortcode.encode(id))/")
    }

    /// The page's per-photo fields (`filter_0`, `alt_text_1`, …) as `PhotoPosting` reads them: each repeated once per
    /// photo, in order.
    static func postingFields(_ form: Parameters, count: Int) -> Parameters {
        var pairs = form.pairs.filter { pair in !["filter", "crop", "focal_point", "alt_text", "users_in_photo"].contains(pair.name) }
        for name in ["filter", "crop", "focal_point", "alt_text"] {
            for index in 0..<count { pairs.append((name, form.value("\(name)_\(index)") ?? "")) }
        }
        for index in 0..<count { pairs.append(("users_in_photo", DraftTags.usersInPhoto(DraftTags.tags(form, photo: index)))) }
        return Parameters(pairs: pairs)
    }
}
