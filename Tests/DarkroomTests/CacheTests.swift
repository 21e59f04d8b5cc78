import DarkroomCore
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// What the server keeps in memory — resolved tokens, rendered feed pages — never answers with what has changed.
@Suite struct CacheTests {
    @Test(arguments: Engine.available)
    func grantChangesTakeEffectAtOnce(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let ann = try await world.user("ann")
            let bob = try await world.user("bob")
            let app = try await world.client()
            let token = try await world.storage.tokens.create(userID: ann.id, client: app, scopes: [.basic])
            try await world.withApp { client in
                #expect(try await client.get("/v1/users/self?access_token=\(token)").code == 200)
                try await world.storage.tokens.revoke(user: ann.id, client: app.ref)
                #expect(try await client.get("/v1/users/self?access_token=\(token)").errorType == "OAuthAccessTokenException")
            }

            let other = try await world.client()
            let second = try await world.storage.tokens.create(userID: ann.id, client: other, scopes: [.basic])
            #expect(try await world.storage.grants.resolve(second)?.involvedInBlocks == false)
            try await world.storage.relationships.block(ann.id, bob.id)
            #expect(try await world.storage.grants.resolve(second)?.involvedInBlocks == true)
            try await world.storage.relationships.unblock(ann.id, bob.id)
            #expect(try await world.storage.grants.resolve(second)?.involvedInBlocks == false)

            try await world.storage.clients.resetSecret(other.ref)
            let newSecret = try #require(try await world.storage.clients.find(clientID: other.clientID)).clientSecret
            #expect(newSecret != other.clientSecret)
            #expect(try await world.storage.grants.resolve(second)?.clientSecret == newSecret)

            try await world.storage.clients.delete(other.ref)
            #expect(try await world.storage.grants.resolve(second) == nil)
        }
    }

    /// Another server process on the same database (its own caches) revokes a token: this one stops accepting it
    /// within the fleet interval, read from the clock it was given, without waiting for its copy's lifetime.
    @Test(arguments: Engine.available)
    func aRevocationByAnotherProcessTakesEffectWithinASecond(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let ann = try await world.user("ann")
            let token = try await world.token(for: ann)
            #expect(try await world.storage.grants.resolve(token) != nil)
            world.clock.advance(seconds: 1)
            #expect(try await world.storage.grants.resolve(token) != nil, "the fleet's count read, nothing changed: the copy stays")
            let otherServer = Storage(database: world.storage.database, environment: world.storage.environment, files: world.storage.files)
            #expect(try await otherServer.operators.revokeTokens(user: ann.id, client: nil) == 1)
            #expect(try await world.storage.grants.resolve(token) != nil, "within the second since the count was read")
            world.clock.advance(seconds: 1)
            #expect(try await world.storage.grants.resolve(token) == nil)
        }
    }

    /// A change made outside Darkroom (by hand, in SQL) is not counted: it takes effect within a copy's lifetime.
    @Test(arguments: Engine.available)
    func aChangeMadeByHandTakesEffectWithinTheLifetime(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let ann = try await world.user("ann")
            let token = try await world.token(for: ann)
            #expect(try await world.storage.grants.resolve(token) != nil)
            try await world.storage.database.execute("UPDATE access_tokens SET revoked_at = 1 WHERE user_id = \(ann.id)")
            world.clock.advance(seconds: 30)
            #expect(try await world.storage.grants.resolve(token) != nil, "still within the lifetime of the copy read before")
            world.clock.advance(seconds: 30)
            #expect(try await world.storage.grants.resolve(token) == nil)
        }
    }

    /// A feed page served again is the same page; a like, a comment, a new post or a deletion shows at once.
    @Test(arguments: Engine.available)
    func aReusedFeedPageChangesWithWhatItShows(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let viewer = try await world.user("viewer")
            let friend = try await world.user("friend")
            try await world.storage.relationships.follow(viewer.id, friend.id)
            let first = try await world.post(by: friend, caption: "one")
            let second = try await world.post(by: friend, caption: "two")
            let token = try await world.token(for: viewer, scopes: [.basic, .likes, .comments])
            let feed = "/v1/users/self/feed?access_token=\(token)&count=2"
            try await world.withApp { client in
                let original = try await client.get(feed)
                #expect(original.ids == ["\(second)", "\(first)"])
                let again = try await client.get(feed)
                #expect(again.parsed.isEqual(to: original.parsed as! [AnyHashable: Any]))

                try await world.storage.likes.like(first, by: viewer.id)
                let liked = try await client.get(feed)
                #expect(liked.mediaList.map(\.userHasLiked) == [false, true])
                #expect(liked.mediaList.last?.likes.count == 1)

                _ = try await world.storage.comments.create(on: second, by: friend.id, text: "nice")
                let commented = try await client.get(feed)
                #expect(commented.mediaList.first?.comments.count == 1)

                let third = try await world.post(by: friend, caption: "three")
                let newer = try await client.get(feed)
                #expect(newer.ids == ["\(third)", "\(second)"])
                #expect(newer.pagination?["next_max_id"] == "\(second)")

                _ = try await world.storage.mediaWriter.delete(third)
                #expect(try await client.get(feed).ids == ["\(second)", "\(first)"])
            }
        }
    }

    /// Feeds skip merging in the most followed accounts while there are none; the first post by one shows at once.
    @Test(arguments: Engine.available)
    func aPostByAnAccountPastTheMergeLineShowsAtOnce(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let viewer = try await world.user("viewer")
            let star = try await world.user("star")
            try await world.storage.relationships.follow(viewer.id, star.id)
            let early = try await world.post(by: star)
            #expect(try await world.storage.feed.page(of: viewer.id, MediaPageRequest(count: 5)).items.map(\.id) == [early])
            try await world.storage.database.execute(
                "UPDATE users SET followed_by_count = \(HomeFeed.readTimeMergeThreshold + 1) WHERE id = \(star.id)"
            )
            let merged = try await world.post(by: star, advance: 0)
            #expect(try await world.storage.feed.page(of: viewer.id, MediaPageRequest(count: 5)).items.map(\.id) == [merged, early])
        }
    }

    /// Requests that differ only in their query (anyone can make those) each leave a page; tiny pages too count against
    /// the capacity, with what it takes to keep them.
    @Test func manyTinyPagesStayWithinTheCapacity() {
        let capacity = 64 * 1024
        let cache = MediaPageCache(capacityBytes: capacity)
        let stamps = [MediaStamp(id: MediaID(7), version: 1, viewerHasLiked: nil)]
        for index in 0..<10_000 {
            let key = MediaPageCache.Key(viewer: nil, endpoint: "/media/popular", query: "client_id=c&n=\(index)")
            cache.store(ByteBuffer(string: "{}"), for: key, stamps: stamps, pagination: nil)
            #expect(cache.stored.bytes <= capacity)
            #expect(cache.stored.pages <= capacity / 256, "each page costs at least its bookkeeping")
        }
        let key = MediaPageCache.Key(viewer: nil, endpoint: "/media/popular", query: "client_id=c")
        cache.store(ByteBuffer(string: "[7]"), for: key, stamps: stamps, pagination: nil)
        #expect(cache.body(for: key, stamps: stamps, pagination: nil, epoch: 0) == ByteBuffer(string: "[7]"))
        #expect(cache.body(for: key, stamps: [MediaStamp(id: MediaID(7), version: 2, viewerHasLiked: nil)], pagination: nil, epoch: 0) == nil)
    }
}
