import DarkroomCore
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// Explore: popular media paged by a cursor that holds its ranking still, widened to a week on a quiet server; the
/// tags used most; people to follow; the newest public photos for visitors — each only what the viewer may see.
@Suite struct ExploreTests {
    @Test(arguments: Engine.available)
    func popularPagesWalkTheRankingOnceAndHoldItStillAsTimePasses(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let owner = try await world.user("owner")
            let hidden = try await world.user("hidden", isPrivate: true)
            let fans = try await Array(0..<6).asyncMap { try await world.user("fan\($0)") }
            var posted: [MediaID] = []
            for index in 0..<9 {
                let media = try await world.post(by: owner, advance: 600)
                for fan in fans.prefix(index % 4) { try await storage.likes.like(media, by: fan.id) }
                posted.append(media)
            }
            let secret = try await world.post(by: hidden)
            for fan in fans { try await storage.likes.like(secret, by: fan.id) }

            let first = try await storage.explore.popular(count: 4, after: nil, viewer: nil)
            #expect(first.items.count == 4)
            // Three likes each on the 4th and 8th photo; the newer of two equals comes first.
            #expect(Array(first.items.prefix(2)) == [posted[7], posted[3]])
            var seen = first.items
            var cursor = first.nextCursor.flatMap(PopularCursor.init(parsing:))
            world.clock.advance(seconds: 5 * 3600)  // ranks decay, but a walk begun keeps its ranking
            try await storage.likes.like(try await world.post(by: owner), by: fans[0].id)
            while let next = cursor {
                let page = try await storage.explore.popular(count: 4, after: next, viewer: nil)
                seen += page.items
                cursor = page.nextCursor.flatMap(PopularCursor.init(parsing:))
            }
            #expect(seen.count == posted.count && Set(seen) == Set(posted), "every photo once, none posted after the walk began")
            #expect(!seen.contains(secret))
            #expect(try await storage.explore.popular(count: 20, after: nil, viewer: hidden.id).items.contains(secret))
        }
    }

    @Test(arguments: Engine.available)
    func aQuietServerShowsTheWeek(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let owner = try await world.user("owner")
            let lastWeek = try await world.post(by: owner, caption: "#old")
            world.clock.advance(seconds: 4 * 86_400)
            let today = try await world.post(by: owner, caption: "#new")
            #expect(try await storage.explore.popular(count: 10, after: nil, viewer: nil).items == [today, lastWeek])
            // Two days holding a page is enough: the older photo is left out then.
            #expect(try await storage.explore.popular(count: 1, after: nil, viewer: nil).items == [today])
            world.clock.advance(seconds: 4 * 86_400)
            #expect(try await storage.explore.popular(count: 10, after: nil, viewer: nil).items == [today])
            #expect(try await storage.explore.trendingTags(count: 10, viewer: nil).map(\.name) == ["new"])
            #expect(PopularCursor(parsing: "1.2.3") == nil && PopularCursor(parsing: "1.0.3.4") == nil && PopularCursor(parsing: "a.b.c.d") == nil)
        }
    }

    @Test(arguments: Engine.available)
    func trendingTagsCountWhatTheViewerMaySee(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let ann = try await world.user("ann")
            let dora = try await world.user("dora", isPrivate: true)
            try await world.post(by: ann, caption: "#sea #sky")
            try await world.post(by: ann, caption: "#sea")
            try await world.post(by: dora, caption: "#fog")
            try await world.post(by: dora, caption: "#fog")
            try await world.post(by: dora, caption: "#fog")
            let tags = try await storage.explore.trendingTags(count: 10, viewer: nil)
            #expect(tags.map(\.name) == ["sea", "sky"] && tags.map(\.uses) == [2, 1])
            #expect(try await storage.explore.trendingTags(count: 10, viewer: dora.id).map(\.name) == ["fog", "sea", "sky"])
            #expect(try await storage.explore.trendingTags(count: 1, viewer: nil).map(\.name) == ["sea"])
        }
    }

    @Test(arguments: Engine.available)
    func suggestionsAreFriendsOfFriendsThenPopularAccounts(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let me = try await world.user("me")
            let friends = try await Array(0..<3).asyncMap { try await world.user("friend\($0)") }
            let shared = try await world.user("shared")
            let once = try await world.user("once")
            let blocker = try await world.user("blocker")
            let asked = try await world.user("asked", isPrivate: true)
            let star = try await world.user("star")
            let quietStar = try await world.user("quietstar")
            let secretStar = try await world.user("secretstar", isPrivate: true)
            for friend in friends { try await storage.relationships.follow(me.id, friend.id) }
            for friend in friends {
                try await storage.relationships.follow(friend.id, shared.id)
                try await storage.relationships.follow(friend.id, blocker.id)
                try await storage.relationships.follow(friend.id, asked.id)
                try await storage.relationships.follow(friend.id, me.id)
            }
            try await storage.relationships.follow(friends[0].id, once.id)
            try await storage.relationships.follow(friends[0].id, friends[1].id)  // already followed: not suggested
            try await storage.relationships.block(blocker.id, me.id)
            _ = try await storage.relationships.apply(.follow, viewer: me.id, target: asked.id)
            let strangers = try await Array(0..<3).asyncMap { try await world.user("stranger\($0)") }
            for fan in strangers {
                try await storage.relationships.follow(fan.id, star.id)
                try await storage.relationships.follow(fan.id, quietStar.id)
                try await storage.relationships.follow(fan.id, secretStar.id)
            }
            for account in [star, secretStar] { try await world.post(by: account) }

            let mine = try await storage.explore.suggestedPeople(for: me.id, count: 10)
            #expect(mine.map(\.person.username) == ["shared", "once", "star", "secretstar"])
            #expect(mine.map(\.followedByYourFollows) == [3, 1, 0, 0])
            #expect(try await storage.explore.suggestedPeople(for: me.id, count: 3).map(\.person.username) == ["shared", "once", "star"])
            // A visitor is offered public accounts that have posted, the most followed first.
            #expect(try await storage.explore.suggestedPeople(for: nil, count: 10).map(\.person.username) == ["star"])
        }
    }

    @Test(arguments: Engine.available)
    func theExplorePageAndTheVisitorsLandingShowPublicPhotos(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let ann = try await world.user("ann")
            let dora = try await world.user("dora", isPrivate: true)
            let public1 = try await world.post(by: ann, caption: "Harbour #sea")
            let secret = try await world.post(by: dora, caption: "Hidden #fog")
            try await world.withApp { client in
                let visitor = Browser(client)
                for path in ["/", "/explore/"] {
                    let page = try await visitor.get(path)
                    #expect(page.status == 200)
                    #expect(page.body.contains("/p/\(Shortcode.encode(public1))/"), "\(path) shows the public photo")
                    #expect(!page.body.contains("/p/\(Shortcode.encode(secret))/"), "\(path) hides the private one")
                }
                let explore = try await visitor.get("/explore/")
                #expect(explore.body.contains("href=\"/explore/tags/sea/\"") && !explore.body.contains("#fog"))
                #expect(explore.body.contains("href=\"/ann/\"") && explore.body.contains("/accounts/signup"))
                #expect(try await visitor.get("/explore/?after=nonsense").status == 400)
                #expect(try await visitor.get("/explore/?after=1.172800.0.1").status == 200)
            }
        }
    }

    @Test(arguments: Engine.available)
    func theKeptListsLastAMinuteAndABlockTakesEffectAtOnce(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let ann = try await world.user("ann")
            let bob = try await world.user("bob")
            let first = try await world.post(by: ann, caption: "#sea")
            let lists = storage.exploreLists
            #expect(try await lists.popular(count: 10, after: nil, hidingFrom: nil).tiles.map(\.id) == [first])
            let second = try await world.post(by: ann, caption: "#sky", advance: 1)
            #expect(try await lists.popular(count: 10, after: nil, hidingFrom: nil).tiles.map(\.id) == [first], "kept for a minute")
            #expect(try await lists.trendingTags(count: 5).map(\.name) == ["sea", "sky"])
            world.clock.advance(seconds: 61)
            #expect(try await lists.popular(count: 10, after: nil, hidingFrom: nil).tiles.map(\.id) == [second, first])
            #expect(try await lists.suggestedPeople(for: bob.id, count: 5).map(\.person.username) == ["ann"])
            try await storage.relationships.block(ann.id, bob.id)
            #expect(try await lists.suggestedPeople(for: bob.id, count: 5).isEmpty, "a block drops what was kept")
            #expect(try await lists.popular(count: 10, after: nil, hidingFrom: bob.id).tiles.isEmpty)
            #expect(try await lists.popular(count: 10, after: nil, hidingFrom: nil).tiles.count == 2)
        }
    }
}
