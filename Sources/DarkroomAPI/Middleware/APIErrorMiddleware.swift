import DarkroomCore
import DarkroomStorage
import Hummingbird
import Logging
import NIOCore

/// Renders every failure in the v1 envelope, with the matching HTTP status: the API's own errors as they are,
/// unknown routes as 404 `APINotFoundError`, anything unexpected as a 500 that is logged, never a crash.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error, path: request.uri.path, logger: context.logger)
        }
    }

    /// The one mapping from a thrown error to its v1 answer (`APIRoutes` uses it too, to add its headers).
    static func response(for error: any Error, path: String, logger: Logger) -> Response {
        switch error {
        case let error as APIError:
            return Envelope.error(error)
        case let error as DomainError:
            if case .vanished = error { logger.error("request failed", metadata: ["path": "\(path)", "error": "\(error)"]) }
            return Envelope.error(APIError(error))
        case let error as HTTPError:
            switch error.status {
            case .notFound: return Envelope.error(.routeNotFound)
            case .methodNotAllowed: return Envelope.error(.methodNotAllowed)
            case .contentTooLarge: return Envelope.error(.bodyTooLarge)
            default:
                return Envelope.error(
                    APIError(type: "APIInvalidParametersError", code: Int(error.status.code), message: error.body ?? "\(error.status)")
                )
            }
        case is NIOTooManyBytesError:
            return Envelope.error(.bodyTooLarge)
        case let error as DatabaseError where error.isTransient:
            return Envelope.error(.unavailable)
        default:
            logger.error("request failed", metadata: ["path": "\(path)", "error": "\(error)"])
            return Envelope.error(.internalError)
        }
    }
}
