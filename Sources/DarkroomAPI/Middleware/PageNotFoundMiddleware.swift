import DarkroomCore
import DarkroomStorage
import Hummingbird

/// Any other GET for a page that does not exist is answered as a page, with the visitor's header and a way on; the
/// API's unknown routes (and stored files') keep their v1 error. (A route for `/**` cannot sit beside `/{username}`
/// in the router, so the router's own "no route" is turned into the page here.)
struct PageNotFoundMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let web: Web

    static func isPage(_ path: String) -> Bool {
        let api = [
            "/v1", "/api/", "/media/", "/static/", "/oauth/access_token", "/oembed", "/health", "/ready", "/metrics", "/ap/", "/.well-known/",
            "/nodeinfo/",
        ]
        return !api.contains { path == $0 || path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError
            where error.status == .notFound && (request.method == .get || request.method == .head)
            && Self.isPage(request.uri.path)
        {
            let visit: Web.Visit
            do {
                visit = try await web.visit(request, context: context)
            } catch let refusal as Web.RefusedInput {
                visit = refusal.visit
            }
            return web.message(
                WebRoutes.title(.notFound),
                status: .notFound,
                visit,
                error: "There is no page at this address. It may have been removed, or the link may be mistyped.",
                links: [(href: "/", label: "Go to the home page")]
            )
        }
    }
}
