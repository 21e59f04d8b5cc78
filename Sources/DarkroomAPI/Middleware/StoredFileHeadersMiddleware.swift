import Hummingbird

/// Stored photos are served as what they are: browsers must not sniff a JPEG into anything else. Installed on the
/// `/media` routes only.
struct StoredFileHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }
}
