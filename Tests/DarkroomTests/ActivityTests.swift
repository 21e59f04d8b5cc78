import DarkroomCore
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// Activity: what each action tells its person, written with the action and gone with it; who is hidden when read;
/// unread counts and reading; pages; retention.
@Suite struct ActivityTests {
    static func kinds(_ storage: Storage, _ user: User) async throws -> [String] {
        try await storage.activity.recent(for: user.id, count: 50).items.map { "\($0.kind.rawValue) \($0.actor.username)" }
    }

    @Test(arguments: Engine.available)
    func likesCommentsAndMentionsAreToldAndTakenBack(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let ann = try await world.user("ann")
            let bob = try await world.user("bob")
            let carol = try await world.user("carol")
            let photo = try await world.post(by: ann, caption: "Morning light")

            try await storage.likes.like(photo, by: bob.id)
            try await storage.likes.like(photo, by: ann.id)
            #expect(try await Self.kinds(storage, ann) == ["like bob"], "one's own like tells no one")
            #expect(try await storage.activity.unreadCount(for: ann.id) == 1)
            try await storage.likes.unlike(photo, by: bob.id)
            #expect(try await Self.kinds(storage, ann).isEmpty, "a like taken back is no longer told")

            let comment = try await storage.comments.create(on: photo, by: bob.id, text: "Lovely, @Carol. and @bob, @ann and @nobody")
            #expect(try await Self.kinds(storage, ann) == ["comment bob"], "the owner is told of the comment once")
            let told = try #require(try await storage.activity.recent(for: carol.id, count: 10).items.first)
            #expect(told.kind == .mention && told.media == photo && told.comment?.text == "Lovely, @Carol. and @bob, @ann and @nobody")
            #expect(try await Self.kinds(storage, bob).isEmpty, "naming oneself tells no one")
            try await storage.comments.delete(comment.id, on: photo, by: bob.id)
            #expect(try await Self.kinds(storage, ann).isEmpty, "gone with the comment")
            #expect(try await Self.kinds(storage, carol).isEmpty, "gone with the comment")

            // A caption's mentions, and people tagged in a photo.
            _ = try await world.post(by: bob, caption: "With @ann and @carol")
            #expect(try await Self.kinds(storage, ann) == ["mention bob"])
            #expect(try await Self.kinds(storage, carol) == ["mention bob"])

            // People tagged in a photo are told, each once.
            _ = try await storage.mediaWriter.create(
                NewMedia(
                    owner: carol.id,
                    caption: nil,
                    renditions: Renditions(key: "test/tagged", standard: 612, low: 306, thumbnail: 150),
                    usersInPhoto: [(ann.id, 0.2, 0.3), (carol.id, 0.5, 0.5)]
                )
            )
            #expect(try await Self.kinds(storage, ann) == ["tag carol", "mention bob"])
            // Photos of ann: the one she is tagged in; she takes herself out, and it is no longer told.
            let tagged = try await storage.media.taggedIn(ann.id, viewer: bob.id, page: MediaPageRequest(count: 10))
            #expect(tagged.media.count == 1 && !tagged.more)
            let photoOfAnn = try #require(tagged.media.first)
            let before = try #require(try await storage.media.hydrate([photoOfAnn], viewer: ann.id).first)
            #expect(try await storage.mediaWriter.untag(ann.id, from: photoOfAnn))
            #expect(try await !storage.mediaWriter.untag(ann.id, from: photoOfAnn), "untagging twice changes nothing")
            let after = try #require(try await storage.media.hydrate([photoOfAnn], viewer: ann.id).first)
            #expect(after.usersInPhoto.map(\.user.username) == ["carol"] && after.version != before.version)
            #expect(try await storage.media.taggedIn(ann.id, viewer: ann.id, page: MediaPageRequest(count: 10)).media.isEmpty)
            #expect(try await Self.kinds(storage, ann) == ["mention bob"])

            // A mention on a private account's photo reaches only who may see it.
            let dora = try await world.user("dora", isPrivate: true)
            let hidden = try await world.post(by: dora, caption: "Quiet one, @carol")
            #expect(try await Self.kinds(storage, carol) == ["mention bob"])
            try await storage.relationships.follow(carol.id, dora.id)
            _ = try await storage.comments.create(on: hidden, by: dora.id, text: "@carol now you see it")
            #expect(try await Self.kinds(storage, carol).first == "mention dora")
        }
    }

    @Test(arguments: Engine.available)
    func followsRequestsAndApprovals(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let ann = try await world.user("ann")
            let bob = try await world.user("bob")
            let vera = try await world.user("vera", isPrivate: true)

            try await storage.relationships.requestFollow(
                bob.id,
                ann.id,
                current: try await storage.relationships.relationship(of: bob.id, to: ann.id)
            )
            #expect(try await Self.kinds(storage, ann) == ["follow bob"])
            try await storage.relationships.unfollow(bob.id, ann.id)
            #expect(try await Self.kinds(storage, ann).isEmpty)

            try await storage.relationships.requestFollow(
                bob.id,
                vera.id,
                current: try await storage.relationships.relationship(of: bob.id, to: vera.id)
            )
            #expect(try await Self.kinds(storage, vera) == ["request bob"])
            #expect(try await storage.relationships.approve(vera.id, requester: bob.id))
            #expect(try await Self.kinds(storage, vera) == ["follow bob"], "the request, answered, is a follow")
            #expect(try await Self.kinds(storage, bob) == ["approval vera"])

            try await storage.relationships.requestFollow(
                ann.id,
                vera.id,
                current: try await storage.relationships.relationship(of: ann.id, to: vera.id)
            )
            try await storage.relationships.ignore(vera.id, requester: ann.id)
            #expect(try await Self.kinds(storage, vera) == ["follow bob"], "an ignored request is no longer told")

            // Vera removes Bob from her followers (`remove`, beyond v1): he no longer follows her, nor is it told.
            let after = try await storage.relationships.apply(.remove, viewer: vera.id, target: bob.id)
            #expect(after.incoming == .none)
            #expect(try await storage.relationships.relationship(of: bob.id, to: vera.id).outgoing == .none)
            #expect(try await storage.users.find(vera.id)?.counts.followedBy == 0)
            #expect(try await Self.kinds(storage, vera).isEmpty)
            #expect(try await storage.relationships.outgoing(of: bob.id, to: [vera.id, ann.id]).isEmpty)
        }
    }

    @Test(arguments: Engine.available)
    func blockedSuspendedAndDeletedActorsAreNotShownAndReadingCountsDown(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let ann = try await world.user("ann")
            let bob = try await world.user("bob")
            let carol = try await world.user("carol")
            let dan = try await world.user("dan")
            let photo = try await world.post(by: ann)
            for liker in [bob, carol, dan] {
                try await storage.likes.like(photo, by: liker.id)
                world.clock.advance(seconds: 1)
            }
            #expect(try await Self.kinds(storage, ann) == ["like dan", "like carol", "like bob"])

            // Pages of two, by cursor.
            let first = try await storage.activity.recent(for: ann.id, count: 2)
            let cursor = try #require(first.nextCursor.flatMap(Int64.init))
            let second = try await storage.activity.recent(for: ann.id, count: 2, before: cursor)
            #expect(first.items.map(\.actor.username) == ["dan", "carol"] && second.items.map(\.actor.username) == ["bob"])
            #expect(second.nextCursor == nil)

            try await storage.relationships.block(ann.id, bob.id)
            _ = try await storage.suspendAccount.suspend(carol.id, reason: "spam", actor: "test")
            #expect(try await Self.kinds(storage, ann) == ["like dan"])
            #expect(try await storage.activity.unreadCount(for: ann.id) == 1)
            _ = try await storage.deleteAccount(dan.id, actor: "test")
            #expect(try await Self.kinds(storage, ann).isEmpty)
            #expect(try await storage.database.query("SELECT count(*) FROM activities WHERE actor_id = \(dan.id)").scalarInt() == 0)

            // Reading: what came before is read; what comes after counts again.
            _ = try await storage.suspendAccount.reinstate(carol.id, reason: "appeal", actor: "test")
            let newest = try #require(try await storage.activity.recent(for: ann.id, count: 1).items.first)
            #expect(newest.isUnread)
            try await storage.activity.markRead(ann.id, upTo: newest.id)
            #expect(try await storage.activity.unreadCount(for: ann.id) == 0)
            #expect(try await storage.activity.recent(for: ann.id, count: 1).items.first?.isUnread == false)
            _ = try await storage.comments.create(on: photo, by: carol.id, text: "Back again")
            #expect(try await storage.activity.unreadCount(for: ann.id) == 1)

            // Kept for the retention period, then pruned by the upkeep.
            world.clock.advance(seconds: (ActivityStore.defaultRetentionDays + 1) * 86_400)
            try await storage.activity.prune()
            #expect(try await Self.kinds(storage, ann).isEmpty)
        }
    }
}

/// The API's addition: `GET /v1/users/self/activity` and `POST /v1/users/self/activity/seen`, scope `basic`.
@Suite struct ActivityAPITests {
    struct Item: Decodable {
        struct Thumbnail: Decodable {
            var url: String
            var width: Int
        }
        struct Images: Decodable { var thumbnail: Thumbnail }
        struct MediaPart: Decodable {
            var id: String
            var link: String
            var images: Images
        }
        struct CommentPart: Decodable {
            var id: String
            var text: String
        }
        struct Actor: Decodable {
            var username: String
            var id: String
        }
        var id: String
        var type: String
        var created_time: String
        var unread: Bool
        var user: Actor
        var media: MediaPart?
        var comment: CommentPart?
    }

    @Test(arguments: Engine.available)
    func anAppReadsAndClearsThePersonsActivity(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let ann = try await world.user("ann")
            let bob = try await world.user("bob")
            let photo = try await world.post(by: ann, caption: "Harbour")
            try await world.storage.likes.like(photo, by: bob.id)
            world.clock.advance(seconds: 5)
            _ = try await world.storage.comments.create(on: photo, by: bob.id, text: "Wonderful")
            let token = try await world.token(for: ann)
            try await world.withApp { client in
                let first = try await client.get("/v1/users/self/activity?access_token=\(token)&count=1")
                let items = try #require(first.data([Item].self))
                #expect(items.map(\.type) == ["comment"] && items[0].comment?.text == "Wonderful" && items[0].unread)
                #expect(items[0].user.username == "bob" && items[0].media?.id == String(photo.rawValue))
                #expect(items[0].media?.images.thumbnail.width == 150 && items[0].media?.link.hasSuffix("/p/\(Shortcode.encode(photo))/") == true)
                let cursor = try #require(first.pagination?["next_cursor"])
                let second = try await client.get("/v1/users/self/activity?access_token=\(token)&count=1&cursor=\(cursor)")
                #expect(second.data([Item].self)?.map(\.type) == ["like"] && second.data([Item].self)?.first?.comment == nil)

                // Only one's own; marking read clears the count the pages show.
                let other = try await client.get("/v1/users/\(bob.id)/activity?access_token=\(token)")
                #expect(other.code == 404, "only self has an activity to read")
                #expect(try await client.post("/v1/users/self/activity/seen?access_token=\(token)").code == 200)
                #expect(try await world.storage.activity.unreadCount(for: ann.id) == 0)
                let after = try await client.get("/v1/users/self/activity?access_token=\(token)")
                #expect(after.data([Item].self)?.allSatisfy { !$0.unread } == true)
                #expect(try await client.post("/v1/users/self/activity/seen?access_token=\(token)", form: ["activity_id": "x"]).code == 400)
            }
        }
    }
}

/// How a page of activity reads: one photo's likes on one day as one line, the day's new followers as one line, and
/// what has words of its own one to a line.
@Suite struct ActivityGroupTests {
    static func person(_ id: Int64, _ name: String) -> UserSummary {
        UserSummary(id: UserID(id), username: name, fullName: "", profilePicture: nil)
    }

    @Test func likesAndFollowsOfADayAreOneLineEach() {
        let (ada, bob, cy, dee) = (Self.person(1, "ada"), Self.person(2, "bob"), Self.person(3, "cy"), Self.person(4, "dee"))
        let day: Int64 = 1_700_000_000
        func item(_ id: Int64, _ kind: Activity.Kind, _ actor: UserSummary, media: Int64? = nil, at time: Int64, unread: Bool = false) -> Activity {
            Activity(
                id: id,
                kind: kind,
                actor: actor,
                media: media.map(MediaID.init),
                comment: kind == .comment ? Activity.Comment(id: CommentID(id), text: "nice") : nil,
                createdAt: time,
                isUnread: unread
            )
        }
        let groups = ActivityGroup.group([
            item(9, .like, dee, media: 5, at: day + 50, unread: true),
            item(8, .comment, cy, media: 5, at: day + 40),
            item(7, .like, cy, media: 5, at: day + 30),
            item(6, .follow, bob, at: day + 20),
            item(5, .like, bob, media: 5, at: day + 10),
            item(4, .like, ada, media: 6, at: day + 9),
            item(3, .follow, ada, at: day + 8),
            item(2, .like, ada, media: 5, at: day - 86_400),
        ])
        #expect(groups.map(\.kind) == [.like, .comment, .follow, .like, .like])
        #expect(groups[0].actors.map(\.username) == ["dee", "cy", "bob"] && groups[0].others == 2 && groups[0].isUnread)
        #expect(groups[2].actors.map(\.username) == ["bob", "ada"] && groups[2].others == 0, "two names are both said")
        #expect(groups[3].media == MediaID(6) && groups[4].createdAt == day - 86_400, "another photo, another day: lines of their own")
        #expect(groups[1].sentence == "commented:" && groups[0].sentence == "liked your photo.")
    }
}
