import HTTPTypes
import Hummingbird

/// Makes the spellings clients use reach the same route: a `.json` suffix (python-instagram, the Ruby gem),
/// a trailing slash, and `_method=DELETE|PUT` on a POST for clients that cannot send those verbs.
/// It wraps the router rather than sitting in it, because Hummingbird picks the route before router middleware runs.
struct PathNormalizingResponder<Next: HTTPResponder>: HTTPResponder where Next.Context == AppRequestContext {
    typealias Context = AppRequestContext
    let next: Next

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        var normalized = Substring(path)
        if normalized.hasSuffix(".json") { normalized = normalized.dropLast(5) }
        while normalized.count > 1, normalized.hasSuffix("/") { normalized = normalized.dropLast() }
        var method = request.method
        if method == .post, let override = Parameters(urlEncoded: Substring(request.uri.query ?? "")).value("_method") {
            switch override.uppercased() {
            case "DELETE": method = .delete
            case "PUT": method = .put
            default: break
            }
        }
        guard normalized != path || method != request.method else { return try await next.respond(to: request, context: context) }
        var head = request.head
        head.method = method
        head.path = String(normalized) + (request.uri.query.map { "?" + $0 } ?? "")
        return try await next.respond(to: Request(head: head, body: request.body), context: context)
    }
}
