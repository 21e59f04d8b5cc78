import DarkroomAPI
import DarkroomCore
import Foundation
import HummingbirdTesting
import Testing

@testable import DarkroomStorage

/// What one user sees of another, in every place the other could show.
private struct Sightings: Equatable, Sendable {
    var profile = false, ownToken = false, inFeed = false, media = false, inTag = false, inSearch = false
    var amongLikers = false, amongCommenters = false, inMediaSamples = false, amongFollowers = false, mediaList = false
}

/// Suspension, as operators use it: the account and everything of it vanish from every answer at once, its token
/// stops, the action is logged; reinstated, all of it is back.
@Suite struct SuspensionTests {
    @Test(arguments: Engine.available)
    func aSuspendedAccountVanishesEverywhereAtOnceAndComesBack(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let alice = try await world.user("alice", fullName: "Alice Liddell")
            let bob = try await world.user("bob")
            let carol = try await world.user("carol")
            for (follower, followee) in [(bob, alice), (bob, carol), (alice, carol)] {
                try await world.storage.relationships.follow(follower.id, followee.id)
            }
            let aliceMedia = try await world.post(by: alice, caption: "down the rabbit hole #wonderland")
            let carolMedia = try await world.post(by: carol, caption: "tea #wonderland")
            try await world.storage.likes.like(carolMedia, by: alice.id)
            _ = try await world.storage.comments.create(on: carolMedia, by: alice.id, text: "curiouser")
            let bobToken = try await world.token(for: bob)
            let aliceToken = try await world.token(for: alice)

            @Sendable func look(_ client: any TestClientProtocol) async throws -> Sightings {
                var seen = Sightings()
                seen.profile = try await client.get("/v1/users/\(alice.id)?access_token=\(bobToken)").status == 200
                seen.ownToken = try await client.get("/v1/users/self?access_token=\(aliceToken)").status == 200
                seen.inFeed = try await client.get("/v1/users/self/feed?access_token=\(bobToken)").ids.contains(aliceMedia.description)
                seen.media = try await client.get("/v1/media/\(aliceMedia)?access_token=\(bobToken)").status == 200
                seen.inTag = try await client.get("/v1/tags/wonderland/media/recent?access_token=\(bobToken)").ids.contains(aliceMedia.description)
                seen.inSearch = try await client.get("/v1/users/search?q=ali&access_token=\(bobToken)").users.contains { $0.username == "alice" }
                seen.amongLikers = try await client.get("/v1/media/\(carolMedia)/likes?access_token=\(bobToken)").users.contains {
                    $0.username == "alice"
                }
                seen.amongCommenters = try await client.get("/v1/media/\(carolMedia)/comments?access_token=\(bobToken)").comments
                    .contains { $0.from.username == "alice" }
                let carolsMedia = try await client.get("/v1/media/\(carolMedia)?access_token=\(bobToken)").media
                seen.inMediaSamples =
                    (carolsMedia?.likes.data.contains { $0.username == "alice" } ?? false)
                    || (carolsMedia?.comments.data.contains { $0.from.username == "alice" } ?? false)
                seen.amongFollowers = try await client.get("/v1/users/\(carol.id)/followed-by?access_token=\(bobToken)").users
                    .contains { $0.username == "alice" }
                // Her own list: no such user while she is suspended, as for any unknown id.
                let list = try await client.get("/v1/users/\(alice.id)/media/recent?access_token=\(bobToken)")
                seen.mediaList = list.status == 200 && list.ids.contains(aliceMedia.description)
                return seen
            }
            let everywhere = Sightings(
                profile: true,
                ownToken: true,
                inFeed: true,
                media: true,
                inTag: true,
                inSearch: true,
                amongLikers: true,
                amongCommenters: true,
                inMediaSamples: true,
                amongFollowers: true,
                mediaList: true
            )

            try await world.withApp { client in
                let before = try await look(client)
                #expect(before == everywhere)
                let suspended = try await world.storage.suspendAccount.suspend(alice.id, reason: "spam", actor: "test operator")
                #expect(suspended)
                let during = try await look(client)
                #expect(during == Sightings(), "nowhere, at once")
                // Bob's feed still holds Carol's post, and Carol's counts still count what Alice did.
                #expect(try await client.get("/v1/users/self/feed?access_token=\(bobToken)").ids == [carolMedia.description])
                let twice = try await world.storage.suspendAccount.suspend(alice.id, reason: "again", actor: "test operator")
                #expect(!twice)

                let reinstated = try await world.storage.suspendAccount.reinstate(alice.id, reason: "appeal upheld", actor: "test operator")
                #expect(reinstated)
                let after = try await look(client)
                #expect(after == everywhere)
            }
            let log = try await world.storage.moderation.log(user: alice.id, limit: 10)
            #expect(log.map(\.action) == ["unsuspend", "suspend"])
            #expect(log.map(\.reason) == ["appeal upheld", "spam"] && log.allSatisfy { $0.actor == "test operator" && $0.targetUsername == "alice" })
        }
    }

    @Test func aSuspendedAccountCannotSignInAndItsSessionsEnd() async throws {
        try await TestWorld.with(.sqlite) { world in
            let password = "looking-glass-1871"
            let alice = try await world.storage.users.create(
                NewUser(
                    username: "alice",
                    passwordHash: try await PasswordHasher.hash(password),
                    fullName: "",
                    bio: "",
                    website: "",
                    isPrivate: false
                )
            )
            let session = try await world.storage.sessions.start(for: alice.id)
            #expect(try await world.storage.users.authenticate(username: "alice", password: password)?.id == alice.id)
            let suspended = try await world.storage.suspendAccount.suspend(alice.id, reason: "abuse", actor: "test operator")
            #expect(suspended)
            #expect(try await world.storage.users.authenticate(username: "alice", password: password) == nil)
            #expect(try await world.storage.sessions.user(for: session) == nil)
            #expect(try await world.storage.operators.account(username: "alice")?.suspendedAt != nil, "the operator still sees it")
        }
    }

    @Test(arguments: Engine.available)
    func operatorsRemoveAMediaOrACommentAndTheLogSaysWhy(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let troll = try await world.user("troll")
            let kept = try await world.post(by: owner, caption: "keep #this")
            let removed = try await world.post(by: troll, caption: "remove #this")
            let comment = try await world.storage.comments.create(on: kept, by: troll.id, text: "rude")
            let moderation = world.storage.moderation

            #expect(try await world.storage.removeComment(comment.id, on: kept, reason: "rude", actor: "test operator"))
            #expect(try await world.storage.comments.list(on: kept, viewer: nil).isEmpty)
            #expect(try await world.storage.media.find(kept, viewer: nil)?.commentCount == 0)
            #expect(try await !world.storage.removeComment(comment.id, on: kept, reason: "again", actor: "test operator"))

            #expect(try await world.storage.deleteMedia.byOperator(removed, reason: "spam", actor: "test operator"))
            #expect(try await world.storage.media.find(removed, viewer: nil) == nil)
            #expect(try await world.storage.media.find(kept, viewer: nil) != nil)
            #expect(try await !world.storage.deleteMedia.byOperator(removed, reason: "again", actor: "test operator"))

            let log = try await moderation.log(user: troll.id, limit: 10)
            #expect(log.map(\.action) == ["remove media", "remove comment"])
            #expect(log.map(\.reason) == ["spam", "rude"])
            #expect(log[0].targetMedia == removed && log[0].targetComment == nil)
            #expect(log[1].targetMedia == kept && log[1].targetComment == comment.id)
        }
    }
}
