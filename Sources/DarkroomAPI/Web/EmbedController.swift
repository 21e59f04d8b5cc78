import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// Embedding (reference §6), for any site and without a token: `/p/{code}/media/?size=t|m|l` redirects to the photo
/// file, `/oembed?url=…` (and `/api/v1/oembed`) describes a permalink for an oEmbed consumer, and `/p/{code}/embed/`
/// is the small page an iframe shows — the only page other sites may frame. Only what anyone may see is embedded: a
/// private or missing photo is a 404 with a v1 error.
struct EmbedController {
    let web: Web
    var storage: Storage { web.dependencies.storage }
    var links: Links { web.dependencies.links }

    func addRoutes(to routes: WebRoutes, router: Router<AppRequestContext>) {
        routes.get("/p/:shortcode/media") { visit in try await redirect(visit) }
        routes.get("/p/:shortcode/embed", embedPage)
        router.get("/oembed") { request, _ in try await oembed(request) }
        router.get("/api/v1/oembed") { request, _ in try await oembed(request) }
        let script = ByteBuffer(bytes: web.dependencies.templates.embedScript)
        router.get("/static/embed.js") { _, _ in
            Response(
                status: .ok,
                headers: [
                    .contentType: "application/javascript; charset=utf-8", .cacheControl: "public, max-age=3600", .xContentTypeOptions: "nosniff",
                ],
                body: .init(byteBuffer: script)
            )
        }
    }

    static let missing = APIError(type: "APINotFoundError", code: 404, message: "No public photo has this address.")

    /// The media, once the viewer (nil for anyone) may see it; the v1 error otherwise.
    private func visible(_ code: Substring?, viewer: UserID?) async throws -> Media {
        guard let code, let id = Shortcode.decode(code) else { throw Self.missing }
        do {
            try await storage.media.authorize(.view, id, actor: viewer)
        } catch is DomainError {
            throw Self.missing
        }
        guard let media = try await storage.media.hydrate([id], viewer: viewer, hidingBlocked: viewer).first else { throw Self.missing }
        return media
    }

    /// `size`: `t` thumbnail, `m` medium (the default, and what an unknown size gets), `l` large.
    private func redirect(_ visit: Web.Visit) async throws -> Response {
        do {
            let media = try await visible(visit.path.split(separator: "/").dropFirst().first, viewer: visit.user?.id)
            let kind =
                switch visit.query.value("size")?.lowercased() {
                case "t": "thumbnail"
                case "l": "standard"
                default: "low"
                }
            return Response(status: .found, headers: [.location: links.rendition(media.renditions, kind), .cacheControl: "private, max-age=60"])
        } catch let error as APIError {
            return Envelope.error(error)
        }
    }

    static let contentSecurityPolicy =
        "default-src 'none'; img-src 'self' http: https:; media-src 'self' http: https:; style-src 'self'; base-uri 'none'; frame-ancestors *"

    @Sendable private func embedPage(_ visit: Web.Visit) async throws -> Response {
        let media: Media
        do {
            media = try await visible(visit.path.split(separator: "/").dropFirst().first, viewer: nil)
        } catch let error as APIError {
            return Envelope.error(error)
        }
        let hideCaption = ["true", "1"].contains(visit.query.value("hidecaption")?.lowercased() ?? "")
        let video: Any = media.renditions.video.map { _ in links.file(media.renditions, VideoRenditions.standardName) } ?? PageModels.absent
        let body = web.dependencies.templates.render(
            "embed",
            [
                "permalink": links.permalink(media.id), "image": links.rendition(media.renditions, "standard"), "size": media.renditions.standard,
                "owner": media.owner.username, "profile": links.publicURL + "/\(media.owner.username)/",
                "picture": links.profilePicture(media.owner.profilePicture),
                "caption": hideCaption
                    ? PageModels.absent : (media.caption.map { ["runs": PageModels.runs($0.text)] as [String: Any] } ?? PageModels.absent),
                "likes": PageModels.count(media.likeCount, "like", "likes"), "base": links.publicURL,
                "alt": media.altText ?? media.caption?.text ?? "Photo by @\(media.owner.username)",
                "video": video, "kind": media.renditions.video == nil ? "Photo" : "Video",
            ]
        )
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "public, max-age=300", .xContentTypeOptions: "nosniff",
                // Framed by any site: this page only, and with nothing a person could be tricked into clicking.
                .contentSecurityPolicy: Self.contentSecurityPolicy,
                .referrerPolicy: "no-referrer",
            ],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }

    /// oEmbed: `url` (any permalink form: instagr.am, instagram.com, with or without www and https, or this server's
    /// own), `maxwidth`, `maxheight`, `omitscript`, `hidecaption`; `callback` is JSONP, by `JSONPMiddleware`.
    private func oembed(_ request: Request) async throws -> Response {
        let query = Parameters(urlEncoded: Substring(request.uri.query ?? ""))
        guard let url = query.value("url"), !url.isEmpty else { throw APIError.missingParameter("url") }
        guard let code = permalinkCode(url) else { throw APIError.invalidParameter("url", "not the address of a photo on this server") }
        let media = try await visible(code, viewer: nil)
        let bound = min(try dimension(query, "maxwidth") ?? Int.max, try dimension(query, "maxheight") ?? Int.max)
        let renditions = media.renditions
        let (kind, size) =
            [("standard", renditions.standard), ("low", renditions.low), ("thumbnail", renditions.thumbnail)]
            .first { $0.1 <= bound } ?? ("thumbnail", renditions.thumbnail)
        let flag = { (name: String) in ["true", "1"].contains(query.value(name)?.lowercased() ?? "") }
        let permalink = links.permalink(media.id)
        let html = web.dependencies.templates.render(
            "oembed",
            [
                "permalink": permalink, "embed": permalink + "embed/" + (flag("hidecaption") ? "?hidecaption=true" : ""),
                "owner": media.owner.username, "width": size, "height": size + (flag("hidecaption") ? 60 : 120),
                "caption": flag("hidecaption") ? PageModels.absent : (media.caption?.text ?? PageModels.absent),
                "kind": media.renditions.video == nil ? "photo" : "video",
                "script": flag("omitscript") ? PageModels.absent : links.publicURL + "/static/embed.js",
            ]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        var writer = JSONWriter(capacity: 2048)
        writer.object { body in
            body.pair("version", "1.0")
            // A video is oEmbed's `video`: its `html` (the embed page, with the player) is what a consumer shows.
            let isVideo = renditions.video != nil
            body.pair("type", isVideo ? "video" : "photo")
            body.pair("provider_name", "Darkroom")
            body.pair("provider_url", links.publicURL + "/")
            body.pair("title", media.caption?.text ?? "")
            body.pair("author_name", media.owner.username)
            body.pair("author_url", links.publicURL + "/\(media.owner.username)/")
            body.key("author_id")
            body.int(media.owner.id.rawValue)
            body.pair("media_id", "\(media.id.rawValue)_\(media.owner.id.rawValue)")
            if !isVideo { body.pair("url", links.rendition(renditions, kind)) }
            body.pair("width", size)
            body.pair("height", size)
            body.pair("thumbnail_url", links.rendition(renditions, "thumbnail"))
            body.pair("thumbnail_width", renditions.thumbnail)
            body.pair("thumbnail_height", renditions.thumbnail)
            // Beyond oEmbed 1.0 (extra fields are allowed): the photographer's description, for the consumer's `alt`.
            if let altText = media.altText { body.pair("alt_text", altText) }
            body.pair("html", html)
        }
        var response = Envelope.response(status: .ok, body: writer.buffer)
        // Any site's script may read it (oEmbed consumers often run in the browser).
        response.headers[.accessControlAllowOrigin] = "*"
        return response
    }

    private func dimension(_ query: Parameters, _ name: String) throws(APIError) -> Int? {
        guard let raw = query.value(name), !raw.isEmpty else { return nil }
        guard let value = Int(raw), value > 0 else { throw .invalidParameter(name, "must be a positive number of pixels") }
        return value
    }

    /// The shortcode of a permalink in any of its forms.
    private func permalinkCode(_ url: String) -> Substring? {
        guard url.utf8.count <= 2000, let components = URLComponents(string: url.trimmingCharacters(in: .whitespaces)),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host?.lowercased()
        else { return nil }
        let ownHost = URLComponents(string: links.publicURL)?.host?.lowercased()
        let known = ["instagr.am", "www.instagr.am", "instagram.com", "www.instagram.com"]
        guard known.contains(host) || host == ownHost else { return nil }
        let parts = components.path.split(separator: "/")
        guard parts.count >= 2, parts[0] == "p" else { return nil }
        return parts[1]
    }
}
