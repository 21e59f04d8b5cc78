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

/// What one user may do to their relationship with another, by the names the API's `action` parameter uses.
public enum RelationshipAction: String, Sendable, CaseIterable {
    case follow, unfollow, block, unblock, approve, ignore
    /// Stops the other account following you (beyond v1), without a block.
    case remove

    /// `deny` is `ignore`, as v1 had both names.
    public init?(parsing name: String) {
        let lowered = name.lowercased()
        self.init(rawValue: lowered == "deny" ? "ignore" : lowered)
    }
}
