import DarkroomCore
import DarkroomStorage
import Hummingbird
import Logging
import NIOCore

/// Renders every failure in the v1 envelope, with the matching HTTP status: the API's own errors as they are,
/// unknown routes as 404 `APINotFoundError`, anything unexpected as a 500 that is logged, never a crash.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return Envelope.error(error)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound: return Envelope.error(.routeNotFound)
            case .methodNotAllowed: return Envelope.error(.methodNotAllowed)
            case .contentTooLarge: return Envelope.error(.bodyTooLarge)
            default:
                return Envelope.error(APIError(type: "APIInvalidParametersError", code: Int(error.status.code), message: error.body ?? "\(error.status)"))
            }
        } catch is NIOTooManyBytesError {
            return Envelope.error(.bodyTooLarge)
        } catch DatabaseError.busy {
            return Envelope.error(.unavailable)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Envelope.error(.internalError)
        }
    }
}
