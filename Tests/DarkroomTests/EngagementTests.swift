import DarkroomCore
import DarkroomStorage
import Foundation
import HummingbirdTesting
import Testing

/// Likes and comments through the API: scopes, visibility, the v1 comment rules, exact counts.
@Suite struct EngagementTests {
    @Test(arguments: Engine.available)
    func likingIsIdempotentScopedAndVisible(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let fan = try await world.user("fan")
            let media = try await world.post(by: owner)
            let hiddenOwner = try await world.user("hidden", isPrivate: true)
            let hidden = try await world.post(by: hiddenOwner)
            let token = try await world.token(for: fan, scopes: [.basic, .likes])
            let basicOnly = try await world.token(for: fan)
            try await world.withApp { client in
                let path = "/v1/media/\(media)/likes"
                let liked = try await client.post(path + "?access_token=\(token)")
                #expect(liked.status == 200 && liked.code == 200)
                #expect(liked.dataIsNull)
                _ = try await client.post(path + ".json?access_token=\(token)")
                #expect(try await world.storage.media.find(media, viewer: nil)?.likeCount == 1)
                let likers = try await client.get(path + "?access_token=\(token)")
                #expect(likers.users.map(\.username) == ["fan"])

                let denied = try await client.post(path + "?access_token=\(basicOnly)")
                #expect(denied.status == 400 && denied.errorType == "OAuthPermissionsException")
                #expect(denied.errorMessage.contains("scope=likes"))

                // A browser-style override: POST with _method=DELETE in the form unlikes.
                let overridden = try await client.post(path, form: ["access_token": token, "_method": "DELETE"])
                #expect(overridden.status == 200)
                #expect(try await world.storage.media.find(media, viewer: nil)?.likeCount == 0)
                #expect(try await client.delete(path + "?access_token=\(token)").status == 200)
                #expect(try await world.storage.media.find(media, viewer: nil)?.likeCount == 0)

                let privateLike = try await client.post("/v1/media/\(hidden)/likes?access_token=\(token)")
                #expect(privateLike.errorType == "APINotAllowedError")
                #expect(try await client.get("/v1/media/\(hidden)/likes?access_token=\(token)").errorType == "APINotAllowedError")
                #expect(try await client.post("/v1/media/12345/likes?access_token=\(token)").errorType == "APINotFoundError")
                #expect(try await client.post("/v1/media/abc/likes?access_token=\(token)").errorType == "APINotFoundError")
                #expect(try await client.post(path).errorType == "OAuthParameterException")
            }
        }
    }

    @Test(arguments: Engine.available)
    func parallelLikesAndUnlikesKeepTheCountExact(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let media = try await world.post(by: owner)
            let fans = try await Array(0..<12).asyncMap { try await world.user("fan\($0)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<4 {
                    for fan in fans {
                        group.addTask {
                            if round % 2 == 0 || fan.username.hasSuffix("1") {
                                try await world.storage.likes.like(media, by: fan.id)
                            } else {
                                try await world.storage.likes.unlike(media, by: fan.id)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let rows = try await world.storage.database.query("SELECT count(*) FROM likes WHERE media_id = \(media)")
            #expect(try await world.storage.media.find(media, viewer: nil)?.likeCount == (try rows.scalarInt()))
        }
    }

    @Test(arguments: Engine.available)
    func parallelFollowsUnfollowsAndCommentsKeepEveryCountExact(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let star = try await world.user("star")
            let media = try await world.post(by: star)
            let fans = try await Array(0..<10).asyncMap { try await world.user("fan\($0)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<3 {
                    for (index, fan) in fans.enumerated() {
                        group.addTask {
                            if round == 1 && index % 2 == 0 {
                                try await world.storage.relationships.unfollow(fan.id, star.id)
                            } else {
                                try await world.storage.relationships.follow(fan.id, star.id)
                            }
                            _ = try await world.storage.comments.create(on: media, by: fan.id, text: "round \(round)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let database = world.storage.database
            let followers = try await database.query("SELECT count(*) FROM follows WHERE followee_id = \(star.id)").scalarInt()
            #expect(try await world.storage.users.find(star.id)?.counts.followedBy == followers)
            let comments = try await database.query("SELECT count(*) FROM comments WHERE media_id = \(media)").scalarInt()
            #expect(comments == 30)
            #expect(try await world.storage.media.find(media, viewer: nil)?.commentCount == comments)
            for fan in fans {
                let follows = try await database.query("SELECT count(*) FROM follows WHERE follower_id = \(fan.id)").scalarInt()
                #expect(try await world.storage.users.find(fan.id)?.counts.follows == follows)
            }
        }
    }

    @Test(arguments: Engine.available)
    func commentsFollowTheV1Rules(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let fan = try await world.user("fan")
            let stranger = try await world.user("stranger")
            let media = try await world.post(by: owner)
            let scopes: Set<Scope> = [.basic, .comments]
            let tokens = (
                owner: try await world.token(for: owner, scopes: scopes), fan: try await world.token(for: fan, scopes: scopes),
                stranger: try await world.token(for: stranger, scopes: scopes)
            )
            try await world.withApp { client in
                let path = "/v1/media/\(media)/comments"
                let broken: [(String, String)] = [
                    (String(repeating: "a", count: 301), "300"), ("#a #b #c #d #e", "4 hashtags"),
                    ("see http://a.example and https://b.example", "1 URL"), ("THIS IS LOUD", "capital"), ("   ", "text"),
                ]
                for (text, rule) in broken {
                    let response = try await client.post(path + "?access_token=\(tokens.fan)", form: ["text": text])
                    #expect(response.status == 400 && response.errorType == "APIInvalidParametersError", "\(rule)")
                    #expect(response.errorMessage.contains(rule), "\(rule)")
                }
                #expect(try await world.storage.media.find(media, viewer: nil)?.commentCount == 0)

                let created = try await client.post(path + "?access_token=\(tokens.fan)", form: ["text": "Really amazing photo! 😀 #wow"])
                #expect(created.keys() == ["created_time", "text", "from", "id"])
                #expect(created.comment?.text == "Really amazing photo! 😀 #wow")
                let fanComment = try #require(created.comment?.id)
                _ = try await client.post(path + "?access_token=\(tokens.owner)", form: ["text": "thanks #sunset"])
                let list = try await client.get(path + "?access_token=\(tokens.stranger)")
                #expect(list.comments.map(\.text) == ["Really amazing photo! 😀 #wow", "thanks #sunset"])
                // The owner's own hashtags tag the media; a commenter's do not.
                #expect(try await world.storage.media.find(media, viewer: nil)?.tags == ["sunset"])

                let byStranger = try await client.delete(path + "/\(fanComment)?access_token=\(tokens.stranger)")
                #expect(byStranger.errorType == "APINotAllowedError")
                #expect(try await client.delete(path + "/\(fanComment)?access_token=\(tokens.owner)").status == 200)
                #expect(try await client.delete(path + "/\(fanComment)?access_token=\(tokens.owner)").errorType == "APINotFoundError")
                #expect(try await world.storage.media.find(media, viewer: nil)?.commentCount == 1)
                let basic = try await world.token(for: fan)
                #expect(try await client.post(path + "?access_token=\(basic)", form: ["text": "hi"]).errorType == "OAuthPermissionsException")
            }
        }
    }
}

/// A caption is its owner's first comment, as in v1: an id of its own, deleted through the comments endpoint.
@Suite struct CaptionTests {
    @Test(arguments: Engine.available)
    func aCaptionHasItsOwnIdAndItsOwnerDeletesItLikeAComment(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let fan = try await world.user("fan")
            let media = try await world.post(by: owner, caption: "Low tide #sunset")
            _ = try await world.storage.comments.create(on: media, by: fan.id, text: "lovely")
            let ownerToken = try await world.token(for: owner, scopes: [.basic, .comments])
            let fanToken = try await world.token(for: fan, scopes: [.basic, .comments])
            try await world.withApp { client in
                let shown = try #require(try await client.get("/v1/media/\(media)?access_token=\(ownerToken)").media)
                let caption = try #require(shown.caption)
                #expect(caption.id != media.description && caption.id != shown.id && Int64(caption.id) != nil)
                #expect(caption.text == "Low tide #sunset" && caption.from.username == "owner")

                let refused = try await client.delete("/v1/media/\(media)/comments/\(caption.id)?access_token=\(fanToken)")
                #expect(refused.errorType == "APINotAllowedError")
                let deleted = try await client.delete("/v1/media/\(media)/comments/\(caption.id)?access_token=\(ownerToken)")
                #expect(deleted.code == 200 && deleted.dataIsNull)
                let after = try #require(try await client.get("/v1/media/\(media)?access_token=\(ownerToken)").media)
                #expect(after.caption == nil)
                #expect(after.comments.count == 1 && after.comments.data.map(\.text) == ["lovely"])
                let again = try await client.delete("/v1/media/\(media)/comments/\(caption.id)?access_token=\(ownerToken)")
                #expect(again.errorType == "APINotFoundError")
            }
        }
    }
}

/// Likes and comments that race a delete of their media are refused or removed with it, never left behind.
@Suite struct WritesRacingADeleteTests {
    @Test(arguments: Engine.available)
    func likesAndCommentsRacingADeleteAreNotKept(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            var fans: [User] = []
            for index in 0..<8 { fans.append(try await world.user("fan\(index)")) }
            let everyone = fans
            // A media no one deletes, liked, unliked and commented on in the same bursts: its counts stay exact.
            let survivor = try await world.post(by: owner)
            // The delete starts at a different point of the burst each round: before all writes, among them, after them.
            for round in 0..<6 {
                let media = try await world.post(by: owner)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, fan) in everyone.enumerated() {
                        group.addTask {
                            if (round + index) % 3 == 0 {
                                try await world.storage.likes.unlike(survivor, by: fan.id)
                            } else {
                                try await world.storage.likes.like(survivor, by: fan.id, checking: .like)
                            }
                            _ = try await world.storage.comments.create(on: survivor, by: fan.id, text: "still here", checking: .comment)
                        }
                        if index == round * 2 { group.addTask { _ = try await world.storage.mediaWriter.delete(media) } }
                        group.addTask {
                            do { try await world.storage.likes.like(media, by: fan.id, checking: .like) } catch DomainError.notFound(.media) {}
                        }
                        group.addTask {
                            do {
                                _ = try await world.storage.comments.create(on: media, by: fan.id, text: "hi", checking: .comment)
                            } catch DomainError.notFound(.media) {}
                        }
                    }
                    if round * 2 >= everyone.count { group.addTask { _ = try await world.storage.mediaWriter.delete(media) } }
                    try await group.waitForAll()
                }
            }
            let database = world.storage.database
            #expect(try await database.query("SELECT count(*) FROM likes WHERE media_id NOT IN (SELECT id FROM media)").scalarInt() == 0)
            #expect(try await database.query("SELECT count(*) FROM comments WHERE media_id NOT IN (SELECT id FROM media)").scalarInt() == 0)
            #expect(try await database.query("SELECT count(*) FROM media").scalarInt() == 1)
            let counted = try #require(try await world.storage.media.find(survivor, viewer: nil))
            #expect(counted.likeCount == (try await database.query("SELECT count(*) FROM likes WHERE media_id = \(survivor)").scalarInt()))
            #expect(counted.commentCount == Int64(6 * everyone.count))
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 1)
        }
    }
}
