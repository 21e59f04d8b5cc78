public struct User: Sendable, Equatable {
    public var summary: UserSummary
    public var bio: String
    public var website: String
    public var isPrivate: Bool
    public var createdAt: Int64
    public var counts: UserCounts

    public var id: UserID { summary.id }
    public var username: String { summary.username }

    public init(summary: UserSummary, bio: String, website: String, isPrivate: Bool, createdAt: Int64, counts: UserCounts) {
        self.summary = summary
        self.bio = bio
        self.website = website
        self.isPrivate = isPrivate
        self.createdAt = createdAt
        self.counts = counts
    }
}
