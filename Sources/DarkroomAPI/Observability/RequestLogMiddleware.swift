import DarkroomCore
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What the handlers learned about a request that its log line reports: who made it, once credentials named them.
/// The context is copied down the middleware chain; this box is shared by every copy.
final class RequestObservations: Sendable {
    private let user = Mutex<UserID?>(nil)

    var userID: UserID? {
        get { user.withLock { $0 } }
        set { user.withLock { $0 = newValue } }
    }
}

/// One log line per request — method, path (never the query, which may hold a token), route, status, time, the user
/// where known — under the request's id, which every response carries as `X-Request-Id`. The id is Hummingbird's,
/// or, when the server sits behind a proxy it trusts (`trustsRequestID`), the one the proxy sent, so one request can
/// be followed through both logs.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trustsRequestID: Bool

    static let header = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if trustsRequestID, let incoming = request.headers[Self.header], Self.isAcceptable(incoming) {
            context.logger[metadataKey: "hb.request.id"] = .string(incoming)
        }
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[Self.header] = context.id
        if context.logger.logLevel <= .info {
            let elapsed = ContinuousClock.now - start
            let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
            let duration = String(format: "%.1f", milliseconds)
            let path = Self.loggedPath(request.uri.path)
            var metadata: Logger.Metadata = [
                "method": "\(request.method)", "path": "\(path)", "status": "\(response.status.code)", "duration_ms": "\(duration)",
                "route": "\(context.endpointPath ?? "none")",
            ]
            if let user = context.observations.userID { metadata["user_id"] = "\(user)" }
            context.logger.info("\(request.method) \(path) \(response.status.code) \(duration)ms", metadata: metadata)
        }
        return response
    }

    /// An id a proxy sends is written into every line of the request: short, and only characters that cannot forge
    /// another field or line.
    static func isAcceptable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }

    /// The path with any mailed link's token (a segment of 64 hex digits: verifying an address, resetting a password)
    /// cut out: such a link is a credential until it is used.
    static func loggedPath(_ path: String) -> String {
        guard path.utf8.count >= 64 else { return path }
        return path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.utf8.count == 64 && segment.utf8.allSatisfy(Hex.isDigit) ? "[redacted]" : String(segment)
        }.joined(separator: "/")
    }
}
