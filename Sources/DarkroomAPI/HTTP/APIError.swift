import DarkroomCore

/// An error in the v1 API's own terms: the `error_type`, the HTTP status (which `meta.code` mirrors) and the message.
/// Every failure a client can see is one of these; the HTTP layer renders them in the envelope.
public struct APIError: Error, Sendable, Equatable {
    public var type: String
    public var code: Int
    public var message: String
    /// The message in a page's words, when the API's names a parameter ("Password: use at least 8 characters." where the
    /// API says "Invalid parameter password: …"); pages show it rather than `message`.
    public var pageMessage: String?

    public init(type: String, code: Int, message: String, pageMessage: String? = nil) {
        self.type = type
        self.code = code
        self.message = message
        self.pageMessage = pageMessage
    }

    /// What a page says of it.
    public var forPeople: String { pageMessage ?? message }

    public static func notFound(_ message: String) -> APIError {
        APIError(type: "APINotFoundError", code: 400, message: message)
    }
    public static let userNotFound = notFound("this user does not exist")
    public static let mediaNotFound = notFound("invalid media id")

    public static let routeNotFound = APIError(type: "APINotFoundError", code: 404, message: "this endpoint does not exist")
    public static let methodNotAllowed = APIError(type: "APINotFoundError", code: 405, message: "this endpoint does not accept that method")

    public static let notAllowed = APIError(type: "APINotAllowedError", code: 400, message: "you cannot view this resource")
    public static let notOwner = APIError(type: "APINotAllowedError", code: 400, message: "you can only delete your own media")

    public static func invalidParameter(_ name: String, _ problem: String) -> APIError {
        APIError(
            type: "APIInvalidParametersError",
            code: 400,
            message: "Invalid parameter \(name): \(problem)",
            pageMessage: DomainError.invalidInput(field: name, reason: problem).message
        )
    }
    public static func missingParameter(_ name: String) -> APIError {
        APIError(
            type: "APIInvalidParametersError",
            code: 400,
            message: "Missing required parameter \(name)",
            pageMessage: DomainError.missingInput(field: name).message
        )
    }

    public static let missingCredentials = APIError(
        type: "OAuthParameterException",
        code: 400,
        message: "Missing client_id or access_token URL parameter."
    )
    public static let selfRequiresUser = APIError(
        type: "OAuthParameterException",
        code: 400,
        message: "'self' keyword requires an authenticated user"
    )
    public static let invalidAccessToken = APIError(
        type: "OAuthAccessTokenException",
        code: 400,
        message: "The access_token provided is invalid."
    )
    public static let invalidClientID = APIError(
        type: "OAuthParameterException",
        code: 400,
        message: "Invalid Client ID"
    )

    public static func missingScope(_ scope: Scope) -> APIError {
        APIError(
            type: "OAuthPermissionsException",
            code: 400,
            message: "This request requires scope=\(scope.rawValue), but this access token is not authorized with this scope. "
                + "The user must re-authorize your application with scope=\(scope.rawValue) to be granted write permissions."
        )
    }

    public static let rateLimited = APIError(
        type: "OAuthRateLimitException",
        code: 429,
        message: "The maximum number of requests per hour has been exceeded."
    )
    /// Past a per-endpoint write limit (likes, comments, relationships).
    public static func writeRateLimited(_ kind: String) -> APIError {
        APIError(type: "OAuthRateLimitException", code: 429, message: "The maximum number of \(kind) per hour has been exceeded.")
    }
    public static func tooManyStreams(_ message: String) -> APIError {
        APIError(type: "OAuthRateLimitException", code: 429, message: message)
    }
    public static let signedHeaderMissing = APIError(
        type: "OAuthForbiddenException",
        code: 403,
        message: "Invalid header: this client requires X-Insta-Forwarded-For on this call"
    )
    public static let signatureMissing = APIError(
        type: "OAuthForbiddenException",
        code: 403,
        message: "Invalid signed-request: Missing required parameter 'sig'"
    )
    public static let signatureMismatch = APIError(
        type: "OAuthForbiddenException",
        code: 403,
        message: "Invalid signed-request: Signature does not match"
    )
    public static let forwardedForMismatch = APIError(
        type: "OAuthForbiddenException",
        code: 403,
        message: "Invalid header: X-Insta-Forwarded-For does not match its signature"
    )

    public static let bodyTooLarge = APIError(type: "APIInvalidParametersError", code: 413, message: "The request body is too large.")
    public static let bodyTooSlow = APIError(type: "APIInvalidParametersError", code: 408, message: "The request body arrived too slowly.")
    public static let internalError = APIError(type: "APIError", code: 500, message: "An internal error occurred.")
    public static let busy = APIError(type: "APIError", code: 503, message: "Too many photos are being processed; try again shortly.")
    public static let unavailable = APIError(type: "APIError", code: 503, message: "The service is unavailable; try again.")
}
