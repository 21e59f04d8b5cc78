import HTTPTypes
import Hummingbird
import NIOCore

/// Makes the spellings clients use reach the same route: a `.json` suffix (python-instagram, the Ruby gem),
/// a trailing slash, `_method=DELETE|PUT` on a POST for clients that cannot send those verbs, and HEAD, answered as
/// GET would be (status and headers, the length included) with no body, wherever GET answers.
/// It wraps the router rather than sitting in it, because Hummingbird picks the route before router middleware runs.
struct PathNormalizingResponder<Next: HTTPResponder>: HTTPResponder where Next.Context == AppRequestContext {
    typealias Context = AppRequestContext
    let next: Next

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        var normalized = Substring(path)
        if normalized.hasSuffix(".json") { normalized = normalized.dropLast(5) }
        while normalized.count > 1, normalized.hasSuffix("/") { normalized = normalized.dropLast() }
        var request = request
        var context = context
        var method = request.method
        if method == .post {
            var override = Parameters(urlEncoded: Substring(request.uri.query ?? "")).value("_method")
            let type = request.headers[.contentType]?.lowercased() ?? ""
            if override == nil, type.isEmpty || type.hasPrefix("application/x-www-form-urlencoded") {
                // The override may sit in the form itself: the input is read here, by the same rules as everywhere,
                // and handed to the route, which reports a failure in its own format.
                do {
                    let input = try await RequestInput.read(&request, rules: .formOnly)
                    override = input.form.value("_method")
                    context.input = .success(input)
                } catch {
                    context.input = .failure(error)
                }
            }
            switch override?.uppercased() {
            case "DELETE": method = .delete
            case "PUT": method = .put
            default: break
            }
        }
        let isHead = method == .head
        if isHead { method = .get }
        if normalized == path, method == request.method {
            return try await next.respond(to: request, context: context)
        }
        var head = request.head
        head.method = method
        head.path = String(normalized) + (request.uri.query.map { "?" + $0 } ?? "")
        let response = try await next.respond(to: Request(head: head, body: request.body), context: context)
        return isHead ? Self.withoutBody(response) : response
    }

    private static func withoutBody(_ response: Response) -> Response {
        var headers = response.headers
        if headers[.contentLength] == nil, let length = response.body.contentLength { headers[.contentLength] = String(length) }
        return Response(status: response.status, headers: headers, body: ResponseBody())
    }
}
