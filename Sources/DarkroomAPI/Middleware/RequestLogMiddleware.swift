import Hummingbird
import Logging
import Metrics

#if canImport(Glibc)
import Glibc
#endif

/// One log line per request — method, path (never the query, which may hold a token), status and time —
/// and request metrics.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        if logger.logLevel <= .info {
            logger.info("\(request.method) \(request.uri.path) \(response.status.code) \(String(format: "%.1f", milliseconds))ms")
        }
        Counter(label: "darkroom_requests_total", dimensions: [("status", String(response.status.code))]).increment()
        return response
    }
}
