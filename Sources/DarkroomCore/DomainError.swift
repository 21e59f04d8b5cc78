/// What the domain refuses, in its own terms: stores and policies throw these, and know nothing of HTTP. The API
/// turns each into its v1 error (`APIError.init(_:)` in DarkroomAPI); pages show `message`.
public enum DomainError: Error, Sendable, Equatable {
    /// The thing does not exist (or, for the caller, might as well not).
    case notFound(Resource)
    /// The thing exists, but the policy refuses the caller this action.
    case notAllowed(Action)
    /// A value that must be unique is in use (a username).
    case taken(field: String, value: String)
    /// The caller already has as many of these as one person may (`apps`, at most `limit`).
    case limitReached(String, limit: Int)
    /// A row that was just written could not be read back: a bug or a concurrent delete, never the caller's fault.
    case vanished(Resource)

    public enum Resource: String, Sendable {
        case user, media, comment, client, location
    }

    /// The actions policies decide (`MediaPolicy`, `UserPolicy`, `CommentPolicy`, `ClientPolicy`).
    public enum Action: String, Sendable {
        case view, like, comment, deleteMedia, deleteComment, follow, relateToSelf, manageClient, tagUser, reportOwn
    }

    /// A sentence for a person, used by the pages.
    public var message: String {
        switch self {
        case .notFound(let resource): "There is no such \(resource.rawValue)."
        case .notAllowed(let action):
            switch action {
            case .view: "You cannot see this."
            case .like, .comment: "You cannot do that on this photo."
            case .deleteMedia: "Only its owner can delete a photo."
            case .deleteComment: "You cannot delete this comment."
            case .follow: "You cannot follow this account."
            case .relateToSelf: "That needs another account than your own."
            case .manageClient: "You have no such client."
            case .tagUser: "You cannot tag this person."
            case .reportOwn: "You cannot report your own account, photos or comments."
            }
        case .taken(let field, let value): "The \(field) \(value) is taken."
        case .limitReached(let what, let limit): "You can have at most \(limit) \(what); delete one first."
        case .vanished: "Something went wrong; try again."
        }
    }
}
