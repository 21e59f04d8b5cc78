import Foundation
import HTTPTypes
import OpenAPIRuntime

/// An error answered by a Darkroom server (or any v1 server), in the API's own terms: the HTTP status, the v1
/// `error_type` (`APINotFoundError`, `OAuthAccessTokenException`, `OAuthRateLimitException`, …) and its message.
public struct DarkroomError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var type: String
    public var message: String

    public init(code: Int, type: String, message: String) {
        self.code = code
        self.type = type
        self.message = message
    }

    public var description: String { "\(type) (\(code)): \(message)" }

    /// Reads the error from a body: the v1 envelope's `meta`, or the OAuth endpoint's flat form.
    static func decode(status: Int, body: Data) -> DarkroomError {
        struct Envelope: Decodable { var meta: Flat? }
        struct Flat: Decodable {
            var code: Int?
            var errorType: String?
            var errorMessage: String?
            enum CodingKeys: String, CodingKey {
                case code
                case errorType = "error_type"
                case errorMessage = "error_message"
            }
        }
        let decoder = JSONDecoder()
        let flat = (try? decoder.decode(Envelope.self, from: body))?.meta ?? (try? decoder.decode(Flat.self, from: body))
        return DarkroomError(
            code: flat?.code ?? status,
            type: flat?.errorType ?? "HTTPError",
            message: flat?.errorMessage ?? HTTPResponse.Status(code: status).reasonPhrase
        )
    }

    /// The `DarkroomError` inside an error the generated client threw, if it carries one.
    static func unwrap(_ error: any Error) -> any Error {
        if let error = error as? ClientError, let inner = error.underlyingError as? DarkroomError { return inner }
        return error
    }
}

/// Turns every answer outside 2xx into a thrown `DarkroomError`, so a call either returns its success or throws the
/// server's error (the generated client's per-status cases would otherwise make each caller switch over them).
struct ErrorMiddleware: ClientMiddleware {
    /// The largest error body read; v1 errors are a few hundred bytes.
    static let bodyLimit = 64 * 1024

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        guard !(200..<300).contains(response.status.code) else { return (response, responseBody) }
        var data = Data()
        if let responseBody { data = try await Data(collecting: responseBody, upTo: Self.bodyLimit) }
        throw DarkroomError.decode(status: response.status.code, body: data)
    }
}
