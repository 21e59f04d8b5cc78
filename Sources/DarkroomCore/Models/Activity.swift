/// Something that happened to a person, as their activity lists it: who did what, and to which photo.
public struct Activity: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Liked, or commented on, the person's photo.
        case like, comment
        /// Named the person with `@username` in a caption or a comment.
        case mention
        /// Tagged the person in a photo.
        case tag
        /// Started following the person, asked to (a private account), or approved the person's request.
        case follow, request, approval
        /// Moved their account to another server (their profile says where).
        case moved
    }

    public var id: Int64
    public var kind: Kind
    public var actor: UserSummary
    public var media: MediaID?
    public var comment: Comment?
    public var createdAt: Int64
    /// Whether it came after what the person last read.
    public var isUnread: Bool

    /// The comment it was, or that mentions the person.
    public struct Comment: Sendable, Equatable {
        public var id: CommentID
        public var text: String

        public init(id: CommentID, text: String) {
            self.id = id
            self.text = text
        }
    }

    public init(id: Int64, kind: Kind, actor: UserSummary, media: MediaID?, comment: Comment?, createdAt: Int64, isUnread: Bool) {
        self.id = id
        self.kind = kind
        self.actor = actor
        self.media = media
        self.comment = comment
        self.createdAt = createdAt
        self.isUnread = isUnread
    }

}
