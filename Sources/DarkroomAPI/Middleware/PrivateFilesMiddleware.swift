import DarkroomStorage
import Hummingbird

/// A private account's photo files are served only through a signed link that has not lapsed (`URLSigning`), and
/// kept only by the browser that asked (`Cache-Control: private`, until the link lapses); anything else about them is
/// a 404, as if there were no such file. A public account's files pass through, with their year-long public caching.
/// Installed on the `/media` routes only, before the file lookup.
struct PrivateFilesMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let storage: Storage
    let signing: URLSigning

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = String(request.uri.path.dropFirst("/media".count))
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard parts.count == 4, parts.first == "m" else { return try await next(request, context) }
        let key = parts.prefix(3).joined(separator: "/")
        guard MediaFiles.isKey(key), try await storage.media.filesArePrivate(key) == true else { return try await next(request, context) }
        let query = Parameters(urlEncoded: Substring(request.uri.query ?? ""))
        guard signing.admits(path: path, expires: query.value("e"), signature: query.value("s")),
            let expires = query.value("e").flatMap({ Int64($0) })
        else { throw HTTPError(.notFound) }
        var response = try await next(request, context)
        response.headers[.cacheControl] = "private, max-age=\(max(0, expires - signing.now()))"
        return response
    }
}
