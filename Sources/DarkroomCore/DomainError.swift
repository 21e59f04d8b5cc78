/// What the domain refuses, in its own terms: stores and policies throw these, and know nothing of HTTP. The API
/// turns each into its v1 error (`APIError.init(_:)` in DarkroomAPI); pages show `message`.
public enum DomainError: Error, Sendable, Equatable {
    /// The thing does not exist (or, for the caller, might as well not).
    case notFound(Resource)
    /// The thing exists, but the policy refuses the caller this action.
    case notAllowed(Action)
    /// A value that must be unique is in use (a username).
    case taken(field: String, value: String)
    /// A value given for `field` breaks an input rule (`Validation`, `PasswordPolicy`); `reason` says which.
    case invalidInput(field: String, reason: String)
    /// A value `field` must have is missing.
    case missingInput(field: String)
    /// The caller already has as many of these as it may.
    case limitReached(Limited, limit: Int)
    /// A row that was just written could not be read back: a bug or a concurrent delete, never the caller's fault.
    case vanished(Resource)

    /// What a person or an app may hold only so many of.
    public enum Limited: String, Sendable {
        case apps, subscriptions
        case openReports = "open reports"
    }

    public enum Resource: String, Sendable {
        case user, media, comment, client, location
    }

    /// The actions policies decide (`MediaPolicy`, `UserPolicy`, `CommentPolicy`, `ClientPolicy`).
    public enum Action: String, Sendable {
        case view, like, comment, deleteMedia, editMedia, downloadOriginal, deleteComment, follow, relateToSelf, manageClient, tagUser, reportOwn
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
            case .editMedia: "Only its owner can change a photo's caption or description."
            case .downloadOriginal: "Only its owner can download a photo's original."
            case .deleteComment: "You cannot delete this comment."
            case .follow: "You cannot follow this account."
            case .relateToSelf: "That needs another account than your own."
            case .manageClient: "You have no such client."
            case .tagUser: "You cannot tag this person."
            case .reportOwn: "You cannot report your own account, photos or comments."
            }
        case .taken(let field, let value): "The \(field) \(value) is taken."
        case .invalidInput(let field, let reason): "\(Self.label(field)): \(reason)."
        case .missingInput(let field): "\(Self.label(field)) is missing."
        case .limitReached(.openReports, _): "You have many reports waiting already; the moderators will get to them."
        case .limitReached(let what, let limit): "You can have at most \(limit) \(what.rawValue); delete one first."
        case .vanished: "Something went wrong; try again."
        }
    }

    /// A field's name as a sentence starts it: `full_name` is "Full name".
    static func label(_ field: String) -> String {
        let words = field.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}
