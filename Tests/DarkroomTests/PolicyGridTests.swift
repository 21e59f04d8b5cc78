import DarkroomCore
import DarkroomStorage
import Testing

/// Who may act: every action of every policy, for every actor state, against a real database on each engine —
/// the facts the policies decide on (visibility, blocks, ownership) come from the same queries the endpoints use.
@Suite struct PolicyGridTests {
    typealias State = VisibilityMatrixTests.State

    /// A media owner, and one actor in `state` towards it.
    static func actor(_ state: State, of owner: User, in world: TestWorld) async throws -> UserID? {
        let relationships = world.storage.relationships
        switch state {
        case .anonymous: return nil
        case .owner: return owner.id
        default: break
        }
        let actor = try await world.user("\(state.rawValue)\(owner.username.prefix(3))")
        switch state {
        case .requested:
            try await relationships.requestFollow(actor.id, owner.id, current: relationships.relationship(of: actor.id, to: owner.id))
            if !(try await world.storage.users.find(owner.id)!.isPrivate) { try await relationships.unfollow(actor.id, owner.id) }
        case .approved: try await relationships.follow(actor.id, owner.id)
        case .blockedByOwner: try await relationships.block(owner.id, actor.id)
        case .blockingOwner: try await relationships.block(actor.id, owner.id)
        default: break
        }
        return actor.id
    }

    static func outcome(_ body: () async throws -> Void) async -> DomainError? {
        do {
            try await body()
            return nil
        } catch let error as DomainError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return .vanished(.media)
        }
    }

    @Test(arguments: Engine.available)
    func mediaActions(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            for isPrivate in [false, true] {
                let owner = try await world.user(isPrivate ? "privateowner" : "publicowner", isPrivate: isPrivate)
                let media = try await world.post(by: owner)
                for state in State.allCases {
                    let actor = try await Self.actor(state, of: owner, in: world)
                    let canSee = VisibilityMatrixTests.mayViewMedia(state, ownerIsPrivate: isPrivate)
                    for action in MediaPolicy.Action.allCases {
                        let expected: DomainError? =
                            switch (canSee, action, state) {
                            case (false, _, _): .notAllowed(.view)
                            case (true, .view, _): nil
                            case (true, .like, .anonymous): .notAllowed(.like)
                            case (true, .comment, .anonymous): .notAllowed(.comment)
                            case (true, .like, _), (true, .comment, _): nil
                            case (true, .delete, .owner): nil
                            case (true, .delete, _): .notAllowed(.deleteMedia)
                            case (true, .edit, .owner), (true, .downloadOriginal, .owner): nil
                            case (true, .edit, _): .notAllowed(.editMedia)
                            case (true, .downloadOriginal, _): .notAllowed(.downloadOriginal)
                            }
                        let got = await Self.outcome { try await world.storage.media.authorize(action, media, actor: actor) }
                        #expect(got == expected, "\(action) by \(state) on \(isPrivate ? "private" : "public") media")
                    }
                }
            }
            let stranger = try await world.user("nobody")
            #expect(await Self.outcome { try await world.storage.media.authorize(.view, MediaID(12345), actor: stranger.id) } == .notFound(.media))
        }
    }

    @Test(arguments: Engine.available)
    func userActions(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            for isPrivate in [false, true] {
                let owner = try await world.user(isPrivate ? "privatetarget" : "publictarget", isPrivate: isPrivate)
                for state in State.allCases {
                    let actor = try await Self.actor(state, of: owner, in: world)
                    let canSee = VisibilityMatrixTests.mayViewMedia(state, ownerIsPrivate: isPrivate)
                    let blocked = VisibilityMatrixTests.hiddenEntirely(state)
                    for action in UserPolicy.Action.allCases {
                        let expected: DomainError? =
                            switch action {
                            case .viewProfile: state == .blockedByOwner ? .notFound(.user) : nil
                            case .viewMediaAndLists: canSee ? nil : .notAllowed(.view)
                            case .relate: state == .owner ? .notAllowed(.relateToSelf) : nil
                            case .follow: state == .owner ? .notAllowed(.relateToSelf) : blocked ? .notAllowed(.follow) : nil
                            case .tagInPhoto: state == .blockedByOwner ? .notAllowed(.tagUser) : nil
                            }
                        let got = await Self.outcome { try await world.storage.relationships.authorize(action, actor: actor, target: owner.id) }
                        #expect(got == expected, "\(action) by \(state) on \(isPrivate ? "private" : "public") user")
                    }
                }
            }
            #expect(
                await Self.outcome { try await world.storage.relationships.authorize(.viewProfile, actor: nil, target: UserID(999)) }
                    == .notFound(.user)
            )
        }
    }

    @Test func commentActions() throws {
        let (author, mediaOwner, stranger) = (UserID(1), UserID(2), UserID(3))
        for actor in [author, mediaOwner, stranger] {
            for canSee in [true, false] {
                let expected: DomainError? = !canSee ? .notAllowed(.view) : actor == stranger ? .notAllowed(.deleteComment) : nil
                var got: DomainError?
                do {
                    try CommentPolicy.check(.delete, actor: actor, author: author, mediaOwner: mediaOwner, actorCanSeeMedia: canSee)
                } catch { got = error }
                #expect(got == expected, "delete by \(actor) seeing \(canSee)")
            }
        }
    }

    @Test func clientActions() throws {
        let (owner, other) = (UserID(1), UserID(2))
        for (actor, clientOwner, allowed) in [(owner, owner, true), (other, owner, false), (owner, nil, false)] as [(UserID, UserID?, Bool)] {
            var got: DomainError?
            do { try ClientPolicy.check(.manage, actor: actor, owner: clientOwner) } catch { got = error }
            #expect((got == nil) == allowed)
            if !allowed { #expect(got == .notAllowed(.manageClient)) }
        }
    }
}
