/// Comments: deleting one (v1: its author, or the owner of the media it is on).
public enum CommentPolicy {
    public enum Action: Sendable, CaseIterable {
        case delete
    }

    public static func check(_ action: Action, actor: UserID, author: UserID, mediaOwner: UserID, actorCanSeeMedia: Bool) throws(DomainError) {
        guard actorCanSeeMedia else { throw .notAllowed(.view) }
        switch action {
        case .delete:
            guard actor == author || actor == mediaOwner else { throw .notAllowed(.deleteComment) }
        }
    }
}
