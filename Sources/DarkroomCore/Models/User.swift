public struct User: Sendable, Equatable {
    public var summary: UserSummary
    public var bio: String
    public var website: String
    public var isPrivate: Bool
    public var createdAt: Int64
    public var counts: UserCounts
    /// Whether their photos show the camera's details (opt-in; off by default).
    public var showsCamera: Bool
    /// The profile this account moved to, on another server, when its owner said so.
    public var movedTo: String?

    public var id: UserID { summary.id }
    public var username: String { summary.username }

    public init(
        summary: UserSummary,
        bio: String,
        website: String,
        isPrivate: Bool,
        createdAt: Int64,
        counts: UserCounts,
        showsCamera: Bool = false,
        movedTo: String? = nil
    ) {
        self.movedTo = movedTo
        self.showsCamera = showsCamera
        self.summary = summary
        self.bio = bio
        self.website = website
        self.isPrivate = isPrivate
        self.createdAt = createdAt
        self.counts = counts
    }
}
