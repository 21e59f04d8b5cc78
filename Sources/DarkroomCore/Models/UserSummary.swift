/// The few fields of a user that other objects embed (likers, authors, search results).
public struct UserSummary: Sendable, Equatable {
    public var id: UserID
    public var username: String
    public var fullName: String
    /// Storage key of the profile picture; nil for the default picture.
    public var profilePicture: String?

    public init(id: UserID, username: String, fullName: String, profilePicture: String?) {
        self.id = id
        self.username = username
        self.fullName = fullName
        self.profilePicture = profilePicture
    }
}
