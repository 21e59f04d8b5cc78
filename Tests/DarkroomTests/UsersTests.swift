import DarkroomCore
import DarkroomStorage
import Foundation
import HummingbirdTesting
import Testing

/// The five Users endpoints of the seed, every parameter and edge.
@Suite struct UsersTests {
    // The keys the seed's examples show, which our objects must carry with the same nesting.
    static let seedUserKeys: Set<String> = ["id", "username", "full_name", "profile_picture", "bio", "website", "counts"]
    static let seedMediaKeys: Set<String> = [
        "location", "comments", "caption", "link", "likes", "created_time", "images", "type", "users_in_photo", "filter", "tags", "id", "user",
    ]
    static let seedImageKeys: Set<String> = ["low_resolution", "thumbnail", "standard_resolution"]
    static let seedMediaUserKeys: Set<String> = ["username", "full_name", "profile_picture", "id"]
    static let seedCaptionKeys: Set<String> = ["created_time", "text", "from", "id"]
    static let seedSearchKeys: Set<String> = ["username", "first_name", "profile_picture", "id", "last_name"]

    @Test(arguments: Engine.available)
    func profileHasTheSeedShapeAndExactCounts(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let snoop = try await world.user("snoopdogg", fullName: "Snoop Dogg")
            let fan = try await world.user("fan")
            try await world.storage.relationships.follow(fan.id, snoop.id)
            try await world.post(by: snoop)
            let token = try await world.token(for: fan)
            try await world.withApp { client in
                let response = try await client.get("/v1/users/\(snoop.id)?access_token=\(token)")
                #expect(response.keys() == Self.seedUserKeys)
                let user = try #require(response.user)
                #expect(user.id == snoop.id.description)
                #expect(user.bio == "bio of snoopdogg")
                #expect(user.counts == WireCounts(media: 1, follows: 0, followedBy: 1))
                #expect(response.pagination == nil)
            }
        }
    }

    @Test(arguments: Engine.available)
    func mediaObjectsHaveTheSeedShape(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let kevin = try await world.user("kevin", fullName: "Kevin Systrom")
            let mike = try await world.user("mikeyk", fullName: "Mike Krieger")
            let media = try await world.post(by: kevin, caption: "Inside le truc #foodtruck")
            try await world.storage.likes.like(media, by: mike.id)
            _ = try await world.storage.comments.create(on: media, by: mike.id, text: "Really amazing photo!")
            let token = try await world.token(for: mike)
            try await world.withApp { client in
                let response = try await client.get("/v1/users/\(kevin.id)/media/recent?access_token=\(token)")
                #expect(Self.seedMediaKeys.isSubset(of: response.keys(0)))
                #expect(response.keys(0, "images") == Self.seedImageKeys)
                #expect(response.keys(0, "user") == Self.seedMediaUserKeys)
                #expect(Self.seedCaptionKeys.isSubset(of: response.keys(0, "caption")))
                let item = try #require(response.mediaList.first)
                #expect(item.userHasLiked == true)
                #expect(item.tags == ["foodtruck"])
                #expect(item.filter == "Earlybird")
                #expect(item.type == "image")
                #expect(item.id == media.description)
                #expect(item.link == "http://darkroom.test/p/\(Shortcode.encode(media))/")
                #expect(Int(item.createdTime) != nil)
                #expect(item.images["standard_resolution"]?.width == 612)
                #expect(item.images["low_resolution"]?.height == 306)
                #expect(item.images["thumbnail"]?.width == 150)
                #expect(item.caption?.text == "Inside le truc #foodtruck")
                #expect(item.caption?.from.type == "user")
                #expect(item.likes.count == 1 && item.likes.data.first?.username == "mikeyk")
                #expect(item.comments.count == 1 && item.comments.data.first?.text == "Really amazing photo!")
                #expect(item.location == nil && item.usersInPhoto.isEmpty)

                // Without a token the viewer-specific field is left out.
                let anonymous = try await client.get("/v1/users/\(kevin.id)/media/recent?client_id=\(try await world.client().clientID)")
                #expect(anonymous.keys(0).contains("user_has_liked") == false)
            }
        }
    }

    @Test(arguments: Engine.available)
    func countParameterEdges(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let kevin = try await world.user("kevin")
            for _ in 0..<105 { try await world.post(by: kevin) }
            let token = try await world.token(for: kevin)
            try await world.withApp { client in
                let base = "/v1/users/self/media/recent?access_token=\(token)"
                #expect(try await client.get(base).count == 20)
                // count=0 is the default page (reference, decision 4), with its next page.
                let zero = try await client.get(base + "&count=0")
                #expect(zero.count == 20 && zero.pagination?["next_url"] != nil)
                #expect(try await client.get("/v1/users/\(kevin.id)/follows?access_token=\(token)&count=0").status == 200)
                #expect(try await client.get(base + "&count=1").count == 1)
                #expect(try await client.get(base + "&count=100").count == 100)
                #expect(try await client.get(base + "&count=101").count == 100)
                #expect(try await client.get(base + "&count=99999999999999999999").status == 400)
                for bad in ["-1", "abc", "1.5", "%00"] {
                    let response = try await client.get(base + "&count=\(bad)")
                    #expect(response.status == 400 && response.errorType == "APIInvalidParametersError", "count=\(bad)")
                }
            }
        }
    }

    @Test(arguments: Engine.available)
    func idAndTimeBoundsOnRecentMedia(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let kevin = try await world.user("kevin")
            var made: [MediaID] = []
            for _ in 0..<10 { made.append(try await world.post(by: kevin, advance: 100)) }
            let posted = made
            let token = try await world.token(for: kevin)
            let newestFirst = posted.reversed().map(\.description)
            try await world.withApp { client in
                let base = "/v1/users/\(kevin.id)/media/recent?access_token=\(token)"
                // max_id is exclusive: older than it.
                #expect(try await client.get(base + "&max_id=\(posted[5])").ids == Array(newestFirst[5...]))
                // min_id is exclusive: newer than it.
                #expect(try await client.get(base + "&min_id=\(posted[5])").ids == Array(newestFirst[..<4]))
                #expect(
                    try await client.get(base + "&min_id=\(posted[2])&max_id=\(posted[6])").ids
                        == [posted[5], posted[4], posted[3]].map(\.description)
                )
                // The `{media}_{user}` form is accepted.
                #expect(try await client.get(base + "&max_id=\(posted[5])_\(kevin.id)").ids == Array(newestFirst[5...]))
                // Bounds beyond everything.
                #expect(try await client.get(base + "&max_id=\(posted[0])").ids.isEmpty)
                #expect(try await client.get(base + "&min_id=\(posted[9])").ids.isEmpty)
                #expect(try await client.get(base + "&max_id=1").ids.isEmpty)
                #expect(try await client.get(base + "&max_id=abc").status == 400)
                #expect(try await client.get(base + "&min_id=12x").errorType == "APIInvalidParametersError")
                // Timestamps are inclusive unix seconds.
                let times = try await client.get(base).mediaList.compactMap { Int64($0.createdTime) }
                let third = times[7]  // posted[2]
                let seventh = times[3]  // posted[6]
                #expect(try await client.get(base + "&min_timestamp=\(third)&max_timestamp=\(seventh)").ids.count == 5)
                #expect(try await client.get(base + "&min_timestamp=\(times[0] + 1)").ids.isEmpty)
                #expect(try await client.get(base + "&max_timestamp=\(times[9] - 1)").ids.isEmpty)
                #expect(try await client.get(base + "&max_timestamp=soon").status == 400)
                #expect(try await client.get(base + "&min_timestamp=-5").status == 400)
            }
        }
    }

    @Test(arguments: Engine.available)
    func followingNextURLWalksEverythingOnceWhileNewMediaArrive(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let kevin = try await world.user("kevin")
            var made = Set<String>()
            for _ in 0..<23 { made.insert(try await world.post(by: kevin).description) }
            let posted = made
            let token = try await world.token(for: kevin)
            try await world.withApp { client in
                var seen: [String] = []
                var next: String? = "/v1/users/\(kevin.id)/media/recent?access_token=\(token)&count=5"
                while let url = next {
                    let page = try await client.get(url.replacingOccurrences(of: "http://darkroom.test", with: ""))
                    #expect(page.status == 200)
                    seen += page.ids
                    // New media between pages must not shift what the next page holds.
                    try await world.post(by: kevin)
                    next = page.pagination?["next_url"]
                    if let cursor = page.pagination?["next_max_id"] { #expect(cursor == page.ids.last) }
                }
                #expect(seen.count == 23)
                #expect(Set(seen) == posted)
            }
        }
    }

    @Test(arguments: Engine.available)
    func privateMediaIsOnlyForTheOwnerAndApprovedFollowers(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("hidden", isPrivate: true)
            let follower = try await world.user("friend")
            let stranger = try await world.user("stranger")
            try await world.storage.relationships.follow(follower.id, owner.id)
            try await world.post(by: owner)
            let app = try await world.client()
            let tokens = (
                owner: try await world.token(for: owner), follower: try await world.token(for: follower),
                stranger: try await world.token(for: stranger)
            )
            try await world.withApp { client in
                let path = "/v1/users/\(owner.id)/media/recent"
                #expect(try await client.get(path + "?access_token=\(tokens.owner)").ids.count == 1)
                #expect(try await client.get(path + "?access_token=\(tokens.follower)").ids.count == 1)
                for denied in ["?access_token=\(tokens.stranger)", "?client_id=\(app.clientID)"] {
                    let response = try await client.get(path + denied)
                    #expect(response.status == 400 && response.errorType == "APINotAllowedError")
                    #expect(response.meta.errorMessage == "you cannot view this resource")
                }
                // The profile itself stays readable.
                #expect(try await client.get("/v1/users/\(owner.id)?access_token=\(tokens.stranger)").status == 200)
                #expect(try await client.get("/v1/users/123/media/recent?access_token=\(tokens.stranger)").errorType == "APINotFoundError")
            }
        }
    }

    @Test(arguments: Engine.available)
    func feedHoldsFollowedAccountsAndOwnMediaNewestFirst(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let viewer = try await world.user("viewer")
            let friend = try await world.user("friend")
            let other = try await world.user("other")
            try await world.storage.relationships.follow(viewer.id, friend.id)
            let first = try await world.post(by: friend)
            let own = try await world.post(by: viewer)
            try await world.post(by: other)
            // An old post long before the others: the feed must reach back for it.
            let latest = try await world.post(by: friend, advance: 400 * 86_400)
            let token = try await world.token(for: viewer)
            try await world.withApp { client in
                let feed = try await client.get("/v1/users/self/feed?access_token=\(token)")
                #expect(feed.ids == [latest, own, first].map(\.description))
                let paged = try await client.get("/v1/users/self/feed?access_token=\(token)&count=2")
                #expect(paged.ids == [latest, own].map(\.description))
                let nextURL = try #require(paged.pagination?["next_url"])
                #expect(nextURL.hasPrefix("http://darkroom.test/v1/users/self/feed?"))
                let rest = try await client.get(nextURL.replacingOccurrences(of: "http://darkroom.test", with: ""))
                #expect(rest.ids == [first.description])
                #expect(rest.pagination?["next_url"] == nil)
                #expect(try await client.get("/v1/users/self/feed?access_token=\(token)&min_id=\(own)").ids == [latest.description])
                #expect(try await client.get("/v1/users/\(friend.id)/feed?access_token=\(token)").status == 404)
            }
        }
    }

    @Test(arguments: Engine.available)
    func likedMediaIsOrderedByWhenTheLikeHappened(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let viewer = try await world.user("viewer")
            let author = try await world.user("author")
            let hidden = try await world.user("hidden", isPrivate: true)
            let older = try await world.post(by: author)
            let newer = try await world.post(by: author)
            let secret = try await world.post(by: hidden)
            try await world.storage.relationships.follow(viewer.id, hidden.id)
            for media in [newer, secret, older] {
                world.clock.advance(seconds: 10)
                try await world.storage.likes.like(media, by: viewer.id)
            }
            let token = try await world.token(for: viewer)
            try await world.withApp { client in
                let liked = try await client.get("/v1/users/self/media/liked?access_token=\(token)")
                #expect(liked.ids == [older, secret, newer].map(\.description))
                let first = try await client.get("/v1/users/self/media/liked?access_token=\(token)&count=1")
                let cursor = try #require(first.pagination?["next_max_like_id"])
                let nextURL = try #require(first.pagination?["next_url"])
                #expect(nextURL.contains("max_like_id=\(cursor)"))
                let second = try await client.get(nextURL.replacingOccurrences(of: "http://darkroom.test", with: ""))
                #expect(second.ids == [secret.description])
                // Once the private account is unfollowed its media drops out.
                try await world.storage.relationships.unfollow(viewer.id, hidden.id)
                #expect(try await client.get("/v1/users/self/media/liked?access_token=\(token)").ids == [older, newer].map(\.description))
                #expect(try await client.get("/v1/users/self/media/liked?access_token=\(token)&max_like_id=x").status == 400)
            }
        }
    }

    @Test(arguments: Engine.available)
    func searchFindsUsernamesAndFullNamesBestMatchFirst(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.user("sammyjack", fullName: "Sammy Jack")
            try await world.user("jacktiddy", fullName: "Jack Tiddy")
            try await world.user("jack", fullName: "Jack Dorsey")
            try await world.user("jill", fullName: "Jill Jackson")
            try await world.user("under_score", fullName: "Percent %")
            let app = try await world.client()
            try await world.withApp { client in
                let base = "/v1/users/search?client_id=\(app.clientID)"
                let result = try await client.get(base + "&q=jack")
                #expect(result.users.map(\.username) == ["jack", "jacktiddy", "jill", "sammyjack"])
                let first = try #require(result.users.first)
                #expect(Self.seedSearchKeys.isSubset(of: result.keys(0)))
                #expect(first.firstName == "Jack" && first.lastName == "Dorsey")
                #expect(try await client.get(base + "&q=JACK&count=1").users.map(\.username) == ["jack"])
                #expect(try await client.get(base + "&q=_").count == 0)
                #expect(try await client.get(base + "&q=%25").users.map(\.username) == ["under_score"])
                #expect(try await client.get(base + "&q=under_").count == 1)
                #expect(try await client.get(base).errorType == "APIInvalidParametersError")
                #expect(try await client.get(base + "&q=").status == 400)
                #expect(try await client.get(base + "&q=nobody").count == 0)
            }
        }
    }
}

@Suite struct RenderedMediaCacheTests {
    @Test(arguments: Engine.available)
    func aChangedMediaIsNeverServedFromAnOldRendering(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let kevin = try await world.user("kevin")
            let fan = try await world.user("fan")
            let media = try await world.post(by: kevin, caption: "first")
            let token = try await world.token(for: fan)
            try await world.withApp { client in
                let path = "/v1/users/\(kevin.id)/media/recent?access_token=\(token)"
                let before = try #require(try await client.get(path).mediaList.first)
                #expect(before.likes.count == 0)
                #expect(before.userHasLiked == false)
                // Written behind the server's back, as another process would.
                try await world.storage.likes.like(media, by: fan.id)
                _ = try await world.storage.comments.create(on: media, by: fan.id, text: "hello")
                let after = try #require(try await client.get(path).mediaList.first)
                #expect(after.likes.count == 1)
                #expect(after.likes.data.first?.username == "fan")
                #expect(after.comments.count == 1)
                #expect(after.userHasLiked == true)
                try await world.storage.likes.unlike(media, by: fan.id)
                let undone = try #require(try await client.get(path).mediaList.first)
                #expect(undone.likes.count == 0)
                #expect(undone.userHasLiked == false)
            }
        }
    }
}
