// Who may *act*, one policy per resource. Who may *see* is the visibility rule, an SQL fragment every list query
// embeds (`Visibility` in DarkroomStorage); its answer for one item arrives here as a fact (`actorCanSee`), so a
// policy is a pure function of facts, tested as a grid of actor × state × action (`PolicyGridTests`).
//
// Each check throws a `DomainError`; the API maps it to its v1 error, the pages to a message.

/// Media: seeing it, liking and commenting on it, deleting and editing it, downloading its original.
public enum MediaPolicy {
    public enum Action: Sendable, CaseIterable {
        case view, like, comment, delete, edit, downloadOriginal
    }

    /// - Parameters:
    ///   - actor: the signed-in user acting, nil for an app acting with its client_id alone.
    ///   - owner: who posted the media.
    ///   - actorCanSee: the visibility rule's answer for this actor and media (public, or an approved follower, and
    ///     no block either way).
    public static func check(_ action: Action, actor: UserID?, owner: UserID, actorCanSee: Bool) throws(DomainError) {
        // Whatever the action, what the actor may not see it cannot touch, and learns nothing more of.
        guard actorCanSee else { throw .notAllowed(.view) }
        switch action {
        case .view:
            return
        case .like:
            guard actor != nil else { throw .notAllowed(.like) }
        case .comment:
            guard actor != nil else { throw .notAllowed(.comment) }
        case .delete:
            guard let actor, actor == owner else { throw .notAllowed(.deleteMedia) }
        case .edit:
            guard let actor, actor == owner else { throw .notAllowed(.editMedia) }
        case .downloadOriginal:
            // The photo as sent may hold what its renditions never show (the place it was taken, in its EXIF).
            guard let actor, actor == owner else { throw .notAllowed(.downloadOriginal) }
        }
    }
}
