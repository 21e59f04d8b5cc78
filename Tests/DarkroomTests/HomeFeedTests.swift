import DarkroomCore
import DarkroomSeed
import Testing

@testable import DarkroomStorage

/// The materialized home feed must always give exactly what reading the followed accounts directly gives.
@Suite struct HomeFeedTests {
    /// Every page of the feed, following the cursor.
    static func walk(_ feed: CachedFeed, viewer: UserID, pageSize: Int) async throws -> [MediaID] {
        var all: [MediaID] = []
        var page = MediaPageRequest(count: pageSize)
        while true {
            let result = try await feed.page(of: viewer, page)
            all += result.items.map(\.id)
            guard let next = result.nextCursor else { return all }
            page.maxID = Int64(next)
        }
    }

    @Test(arguments: Engine.available)
    func seededFeedsMatchTheFollowedAccountsExactly(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await SeedGenerator(storage: world.storage, plan: SeedPlan(users: 200, media: 3000, seed: 11), progress: nil).run()
            let viewers = try await world.storage.database.query("SELECT id FROM users ORDER BY follows_count DESC LIMIT 6").decode {
                try $0.id(UserID.self)
            }
            for viewer in viewers {
                let walked = try await Self.walk(world.storage.feed, viewer: viewer, pageSize: 37)
                let direct = try await world.storage.media.followedMedia(of: viewer, page: MediaPageRequest(count: 100_000))
                #expect(walked == direct)
                #expect(walked.count > SeedGenerator.feedEntriesPerUser)  // the walk went past the materialized part
            }
        }
    }

    /// The feed reads versions and the viewer's likes its own way (on PostgreSQL, one range of likes per page, folded
    /// into one value); it must agree with looking each media up on its own, at a page's edges too.
    @Test(arguments: Engine.available)
    func feedStampsAgreeWithLookingEachMediaUp(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await SeedGenerator(storage: world.storage, plan: SeedPlan(users: 200, media: 3000, seed: 11), progress: nil).run()
            let viewer = try await world.storage.database.query("SELECT id FROM users ORDER BY follows_count DESC LIMIT 1")
                .decode { try $0.id(UserID.self) }[0]
            let store = world.storage.media
            let ids = try await Self.walk(world.storage.feed, viewer: viewer, pageSize: 10)
            // The first, middle and last of the first page, the first of the second, and one much further down.
            let mine = [0, 4, 9, 10, 57].map { ids[$0] }
            let seeded = Set(
                try await world.storage.database.query("SELECT media_id FROM likes WHERE user_id = \(viewer)").decode { try $0.id(MediaID.self) }
            )
            for media in mine where !seeded.contains(media) { try await world.storage.likes.like(media, by: viewer) }
            var page = MediaPageRequest(count: 10)
            for _ in 0..<7 {
                let result = try await world.storage.feed.page(of: viewer, page)
                #expect(result.items == (try await store.stamps(result.items.map(\.id), viewer: viewer)))
                guard let next = result.nextCursor else { break }
                page.maxID = Int64(next)
            }
            let firstPages = try await world.storage.feed.page(of: viewer, MediaPageRequest(count: 60)).items
            let liked = seeded.union(mine)
            #expect(firstPages.filter { $0.viewerHasLiked == true }.map(\.id) == firstPages.map(\.id).filter(liked.contains))
            #expect(firstPages.count == 60 && mine.allSatisfy { media in firstPages.contains { $0.id == media && $0.viewerHasLiked == true } })
        }
    }

    @Test(arguments: Engine.available)
    func followsBringMediaInAndUnfollowsTakeItOut(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let viewer = try await world.user("viewer")
            let early = try await world.user("early")
            let late = try await world.user("late")
            try await world.storage.relationships.follow(viewer.id, early.id)
            var posted: [MediaID] = []
            for index in 0..<6 { posted.append(try await world.post(by: index % 2 == 0 ? early : late)) }
            #expect(try await Self.walk(world.storage.feed, viewer: viewer.id, pageSize: 2) == [posted[4], posted[2], posted[0]])
            try await world.storage.relationships.follow(viewer.id, late.id)
            #expect(try await Self.walk(world.storage.feed, viewer: viewer.id, pageSize: 2) == posted.reversed())
            try await world.storage.relationships.unfollow(viewer.id, early.id)
            #expect(try await Self.walk(world.storage.feed, viewer: viewer.id, pageSize: 2) == [posted[5], posted[3], posted[1]])
            // A feed cut short (as a bounded feed is) still pages through everything.
            try await world.storage.relationships.follow(viewer.id, early.id)
            try await world.storage.database.transaction { try await HomeFeed.trim(viewer.id, keep: 3, in: $0) }
            #expect(try await world.storage.database.query("SELECT count(*) FROM feed_entries WHERE user_id = \(viewer.id)").scalarInt() == 3)
            #expect(try await Self.walk(world.storage.feed, viewer: viewer.id, pageSize: 2) == posted.reversed())
            #expect(try await Self.walk(world.storage.feed, viewer: viewer.id, pageSize: 100) == posted.reversed())
            // A follow of an account with more media than a backfill brings raises the floor instead of leaving a gap.
            let prolific = try await world.user("prolific")
            var theirs: [MediaID] = []
            for _ in 0..<(HomeFeed.backfillLimit + 3) { theirs.append(try await world.post(by: prolific, advance: 1)) }
            try await world.storage.relationships.follow(viewer.id, prolific.id)
            let everything = (posted + theirs).sorted(by: >)
            #expect(try await Self.walk(world.storage.feed, viewer: viewer.id, pageSize: 50) == everything)
        }
    }

    @Test(arguments: Engine.available)
    func oversizedFeedsAreTrimmedWithoutLosingAnything(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let viewer = try await world.user("viewer")
            let friend = try await world.user("friend")
            try await world.storage.relationships.follow(viewer.id, friend.id)
            var posted: [MediaID] = []
            for _ in 0..<12 { posted.append(try await world.post(by: friend, advance: 5)) }
            #expect(try await HomeFeed.trimOversized(capacity: 5, database: world.storage.database) == 2)  // viewer and friend
            let kept = try await world.storage.database.query("SELECT count(*) FROM feed_entries WHERE user_id = \(viewer.id)")
            #expect(try kept.scalarInt() == 5)
            #expect(try await Self.walk(world.storage.feed, viewer: viewer.id, pageSize: 4) == posted.reversed())
            #expect(try await HomeFeed.trimOversized(capacity: 5, database: world.storage.database) == 0)
        }
    }
}
