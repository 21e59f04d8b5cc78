import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// iPhone hooks on the web (reference §7): the `darkroom://` (and, for old apps, `instagram://`) links an app opens,
/// each mapped to the page that shows the same thing. `/hooks` documents them; `/hooks/open?url=…` resolves one;
/// `/hooks/{route}?…` is the universal-link form of each; `/hooks/share` is the share flow, with the caption an app
/// pre-filled (`InstagramCaption`).
struct HooksController {
    let web: Web

    static let routes = ["app", "camera", "media", "user", "location", "tag", "library", "share"]

    func addRoutes(to routes: WebRoutes) {
        routes.get("/hooks") { visit in
            web.page("hooks", title: "App links", visit, ["base": web.dependencies.links.publicURL])
        }
        routes.get("/hooks/open") { visit in
            guard let raw = visit.query.value("url"), let link = URLComponents(string: raw),
                let scheme = link.scheme?.lowercased(), scheme == "darkroom" || scheme == "instagram",
                let route = link.host?.lowercased()
            else { throw WebError(status: .badRequest, message: "That is not a darkroom:// or instagram:// link.") }
            let fields = Parameters(urlEncoded: Substring(link.percentEncodedQuery ?? ""))
            throw WebRedirect(location: try Self.destination(route, fields))
        }
        routes.get("/hooks/:route") { visit in
            let route = visit.path.split(separator: "/").last.map { String($0).lowercased() } ?? ""
            throw WebRedirect(location: try Self.destination(route, visit.query))
        }
    }

    /// The page a hook opens.
    static func destination(_ route: String, _ fields: Parameters) throws -> String {
        func required(_ name: String) throws -> String {
            guard let value = fields.value(name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty, value.utf8.count <= 500 else {
                throw WebError(status: .badRequest, message: "This link needs its \(name).")
            }
            return value
        }
        switch route {
        case "app": return "/"
        case "camera": return "/create"
        case "media":
            // A media id as the API writes it: the number, or `{media}_{user}`.
            guard let number = try required("id").split(separator: "_").first.flatMap({ Int64($0) }), number > 0 else {
                throw WebError(status: .badRequest, message: "That is not a media id.")
            }
            return "/p/\(Shortcode.encode(MediaID(number)))/"
        case "user":
            let username = try required("username")
            guard username.utf8.count <= 30, username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") }) else {
                throw WebError(status: .badRequest, message: "That is not a username.")
            }
            return "/\(Parameters.encode(username))/"
        case "location":
            guard let id = Int64(try required("id")), id > 0 else { throw WebError(status: .badRequest, message: "That is not a place id.") }
            return "/explore/locations/\(id)/"
        case "tag": return "/explore/tags/\(Parameters.encode(try required("name").lowercased()))/"
        case "library", "share":
            // The phone's asset path cannot be read from here: the posting page opens with the caption, and the
            // person picks the photo.
            let caption = fields.value("InstagramCaption") ?? fields.value("caption") ?? ""
            return caption.isEmpty ? "/create" : "/create?caption=" + Parameters.encode(String(caption.prefix(2200)))
        default:
            throw WebError(status: .notFound, message: "There is no such app link. See /hooks for the ones there are.")
        }
    }
}
