import DarkroomCore
import HTTPTypes

// The one mapping from the domain's refusals to what a caller sees: a v1 error for the API, a page for a person.

extension APIError {
    init(_ error: DomainError) {
        switch error {
        case .notFound(.user): self = .userNotFound
        case .notFound(.media): self = .mediaNotFound
        case .notFound(let resource): self = .notFound("invalid \(resource.rawValue) id")
        case .notAllowed(.deleteMedia): self = .notOwner
        case .notAllowed(.editMedia): self = APIError(type: "APINotAllowedError", code: 400, message: "you can only edit your own media")
        case .notAllowed(.downloadOriginal):
            self = APIError(type: "APINotAllowedError", code: 400, message: "only its owner can download a media's original")
        case .notAllowed(.deleteComment): self = APIError(type: "APINotAllowedError", code: 400, message: "you cannot delete this comment")
        case .notAllowed(.relateToSelf): self = .invalidParameter("user_id", "a relationship needs another user")
        case .notAllowed: self = .notAllowed
        case .taken(let field, let value): self = .invalidParameter(field, "the \(field) \(value) is taken")
        case .invalidInput(let field, let reason): self = .invalidParameter(field, reason)
        case .missingInput(let field): self = .missingParameter(field)
        case .limitReached(.subscriptions, let limit):
            self = APIError(type: "APISubscriptionError", code: 400, message: "A client may hold at most \(limit) subscriptions.")
        case .limitReached(.openReports, _): self = APIError(type: "APIRateLimitError", code: 429, message: error.message)
        case .limitReached(let what, let limit):
            self = APIError(type: "OAuthRateLimitException", code: 429, message: "At most \(limit) \(what.rawValue).")
        case .vanished: self = .internalError
        }
    }
}

extension WebError {
    init(_ error: DomainError) {
        switch error {
        // Someone else's client is as good as missing: its existence is not told.
        case .notFound(.client), .notAllowed(.manageClient): self.init(status: .notFound, message: "You have no such client.")
        case .notFound: self.init(status: .notFound, message: error.message)
        case .notAllowed: self.init(status: .forbidden, message: error.message)
        case .taken: self.init(status: .badRequest, message: error.message)
        case .invalidInput, .missingInput: self.init(status: .badRequest, message: error.message)
        case .limitReached: self.init(status: .tooManyRequests, message: error.message)
        case .vanished: self.init(status: .internalServerError, message: error.message)
        }
    }

    /// The message a form shows for an error a person can fix (a rule of input, a name taken); nil for anything else.
    static func formMessage(_ error: any Error) -> String? {
        switch error {
        case let error as APIError: error.forPeople
        case let error as DomainError: APIError(error).code == 500 ? nil : error.message
        default: nil
        }
    }
}
