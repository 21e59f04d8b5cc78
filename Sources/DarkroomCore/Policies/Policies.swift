// Who may *act*, one policy per resource. Who may *see* is the visibility rule, an SQL fragment every list query
// embeds (`Visibility` in DarkroomStorage); its answer for one item arrives here as a fact (`actorCanSee`), so a
// policy is a pure function of facts, tested as a grid of actor × state × action (`PolicyGridTests`).
//
// Each check throws a `DomainError`; the API maps it to its v1 error, the pages to a message.

/// Media: seeing it, liking and commenting on it, deleting it.
public enum MediaPolicy {
    public enum Action: Sendable, CaseIterable {
        case view, like, comment, delete
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
        }
    }
}

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

/// Users: seeing whom they follow and who follows them, and the relationship actions on them.
public enum UserPolicy {
    public enum Action: Sendable, CaseIterable {
        /// Their profile: hidden, as if missing, from a user they block; the blocker still sees whom they blocked (and
        /// `blocked_by_you`), so they can unblock.
        case viewProfile
        /// Their media and their follow lists (the same rule on the platform).
        case viewMediaAndLists
        /// Any relationship action or question (follow, unfollow, block, approve…): never on oneself.
        case relate
        /// Starting to follow, or asking to: refused between users where either blocks the other.
        case follow
        /// Tagging them in a photo (`users_in_photo`): refused when they block the tagger, as it would show the tagger's
        /// photo on their behalf to everyone.
        case tagInPhoto
    }

    /// What is known about the actor and the target user.
    public struct Facts: Sendable {
        public var actorCanViewMedia: Bool
        public var actorBlocksTarget: Bool
        public var targetBlocksActor: Bool

        public init(actorCanViewMedia: Bool = true, actorBlocksTarget: Bool = false, targetBlocksActor: Bool = false) {
            self.actorCanViewMedia = actorCanViewMedia
            self.actorBlocksTarget = actorBlocksTarget
            self.targetBlocksActor = targetBlocksActor
        }

        public var eitherBlocks: Bool { actorBlocksTarget || targetBlocksActor }
    }

    public static func check(_ action: Action, actor: UserID?, target: UserID, facts: Facts) throws(DomainError) {
        switch action {
        case .viewProfile:
            guard actor == target || !facts.targetBlocksActor else { throw .notFound(.user) }
        case .viewMediaAndLists:
            guard facts.actorCanViewMedia else { throw .notAllowed(.view) }
        case .relate:
            guard actor != target else { throw .notAllowed(.relateToSelf) }
        case .follow:
            guard actor != target else { throw .notAllowed(.relateToSelf) }
            guard !facts.eitherBlocks else { throw .notAllowed(.follow) }
        case .tagInPhoto:
            guard !facts.targetBlocksActor else { throw .notAllowed(.tagUser) }
        }
    }
}

/// API clients (apps): managing one — its settings, secret, deletion — is for the user who registered it.
public enum ClientPolicy {
    public enum Action: Sendable, CaseIterable {
        case manage
    }

    public static func check(_ action: Action, actor: UserID, owner: UserID?) throws(DomainError) {
        switch action {
        case .manage:
            guard actor == owner else { throw .notAllowed(.manageClient) }
        }
    }
}

/// Reports: anyone signed in may report what they can see (the store checks that through the media and user
/// policies), except what is their own.
public enum ReportPolicy {
    public static func check(reporter: UserID, owner: UserID) throws(DomainError) {
        guard reporter != owner else { throw .notAllowed(.reportOwn) }
    }
}

/// What one user may do to their relationship with another, by the names the API's `action` parameter uses.
public enum RelationshipAction: String, Sendable, CaseIterable {
    case follow, unfollow, block, unblock, approve, ignore

    /// `deny` is `ignore`, as v1 had both names.
    public init?(parsing name: String) {
        let lowered = name.lowercased()
        self.init(rawValue: lowered == "deny" ? "ignore" : lowered)
    }
}
