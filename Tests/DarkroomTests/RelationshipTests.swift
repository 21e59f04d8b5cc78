import DarkroomCore
import DarkroomStorage
import Foundation
import HummingbirdTesting
import Testing

/// Following, requests, approvals and blocks through the API, with the relationship object's exact shape.
@Suite struct RelationshipTests {
    @Test(arguments: Engine.available)
    func followRequestApproveIgnoreAndUnfollow(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let me = try await world.user("me")
            let open = try await world.user("open")
            let closed = try await world.user("closed", isPrivate: true)
            let asker = try await world.user("asker")
            let scopes: Set<Scope> = [.basic, .relationships]
            let myToken = try await world.token(for: me, scopes: scopes)
            let closedToken = try await world.token(for: closed, scopes: scopes)
            let askerToken = try await world.token(for: asker, scopes: scopes)
            try await world.withApp { client in
                let follow = try await client.post("/v1/users/\(open.id)/relationship?access_token=\(myToken)", form: ["action": "follow"])
                #expect(follow.keys() == ["incoming_status", "outgoing_status", "target_user_is_private"])
                #expect(follow.relationship?.outgoingStatus == "follows")
                #expect(follow.relationship?.targetUserIsPrivate == false)

                let request = try await client.post("/v1/users/\(closed.id)/relationship?access_token=\(myToken)", form: ["action": "follow"])
                #expect(request.relationship?.outgoingStatus == "requested")
                _ = try await client.post("/v1/users/\(closed.id)/relationship?access_token=\(askerToken)", form: ["action": "follow"])
                let pending = try await client.get("/v1/users/self/requested-by?access_token=\(closedToken)")
                #expect(Set(pending.users.map(\.username)) == ["me", "asker"])
                // A pending request grants nothing.
                #expect(try await client.get("/v1/users/\(closed.id)/media/recent?access_token=\(myToken)").errorType == "APINotAllowedError")

                let approved = try await client.post("/v1/users/\(me.id)/relationship?access_token=\(closedToken)", form: ["action": "approve"])
                #expect(approved.relationship?.incomingStatus == "followed_by")
                let ignored = try await client.post("/v1/users/\(asker.id)/relationship?access_token=\(closedToken)", form: ["action": "deny"])
                #expect(ignored.relationship?.incomingStatus == "none")
                #expect(try await client.get("/v1/users/\(closed.id)/media/recent?access_token=\(myToken)").status == 200)
                #expect(try await world.storage.users.find(closed.id)?.counts.followedBy == 1)

                let unfollowed = try await client.post("/v1/users/\(closed.id)/relationship?access_token=\(myToken)", form: ["action": "unfollow"])
                #expect(unfollowed.relationship?.outgoingStatus == "none")
                #expect(try await client.get("/v1/users/\(closed.id)/media/recent?access_token=\(myToken)").errorType == "APINotAllowedError")

                let bad = try await client.post("/v1/users/\(open.id)/relationship?access_token=\(myToken)", form: ["action": "hug"])
                #expect(bad.errorType == "APIInvalidParametersError")
                #expect(try await client.post("/v1/users/\(open.id)/relationship?access_token=\(myToken)").errorType == "APIInvalidParametersError")
                #expect(try await client.post("/v1/users/\(me.id)/relationship?access_token=\(myToken)", form: ["action": "follow"]).status == 400)
                let basic = try await world.token(for: me)
                let unscoped = try await client.post("/v1/users/\(open.id)/relationship?access_token=\(basic)", form: ["action": "unfollow"])
                #expect(unscoped.errorType == "OAuthPermissionsException")
            }
        }
    }

    @Test(arguments: Engine.available)
    func blockingSeversAndHidesBothWaysButTheBlockerSeesTheProfile(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let me = try await world.user("me")
            let pest = try await world.user("pest")
            let scopes: Set<Scope> = [.basic, .relationships, .likes, .comments]
            try await world.storage.relationships.follow(me.id, pest.id)
            try await world.storage.relationships.follow(pest.id, me.id)
            let mine = try await world.post(by: me)
            let myToken = try await world.token(for: me, scopes: scopes)
            let pestToken = try await world.token(for: pest, scopes: scopes)
            try await world.withApp { client in
                let blocked = try await client.post("/v1/users/\(pest.id)/relationship?access_token=\(myToken)", form: ["action": "block"])
                #expect(blocked.relationship?.incomingStatus == "blocked_by_you")
                #expect(blocked.relationship?.outgoingStatus == "none")
                #expect(try await world.storage.users.find(me.id)?.counts == UserCounts(media: 1, follows: 0, followedBy: 0))
                #expect(try await client.get("/v1/users/\(me.id)?access_token=\(pestToken)").errorType == "APINotFoundError")
                // The blocker still opens the blocked profile, to unblock; the relationship says so.
                #expect(try await client.get("/v1/users/\(pest.id)?access_token=\(myToken)").user?.username == "pest")
                #expect(
                    try await client.get("/v1/users/\(pest.id)/relationship?access_token=\(myToken)").relationship?.incomingStatus == "blocked_by_you"
                )
                #expect(try await client.get("/v1/users/search?q=pest&access_token=\(myToken)").count == 0)
                #expect(try await client.get("/v1/users/\(pest.id)/media/recent?access_token=\(myToken)").errorType == "APINotAllowedError")
                #expect(try await client.get("/v1/users/search?q=me&access_token=\(pestToken)").count == 0)
                #expect(try await client.get("/v1/users/\(me.id)/media/recent?access_token=\(pestToken)").errorType == "APINotAllowedError")
                #expect(try await client.post("/v1/media/\(mine)/likes?access_token=\(pestToken)").errorType == "APINotAllowedError")
                #expect(
                    try await client.post("/v1/media/\(mine)/comments?access_token=\(pestToken)", form: ["text": "hi"]).errorType
                        == "APINotAllowedError"
                )
                let refollow = try await client.post("/v1/users/\(me.id)/relationship?access_token=\(pestToken)", form: ["action": "follow"])
                #expect(refollow.errorType == "APINotAllowedError")
                #expect(try await client.get("/v1/users/self/feed?access_token=\(pestToken)").ids.isEmpty)

                let unblocked = try await client.post("/v1/users/\(pest.id)/relationship?access_token=\(myToken)", form: ["action": "unblock"])
                #expect(unblocked.relationship?.incomingStatus == "none")
                #expect(unblocked.relationship?.outgoingStatus == "none")
                #expect(try await client.get("/v1/users/\(me.id)?access_token=\(pestToken)").status == 200)
            }
        }
    }

    @Test(arguments: Engine.available)
    func followListsPageByCursorAndRespectPrivacy(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let star = try await world.user("star")
            let hidden = try await world.user("hidden", isPrivate: true)
            var made: [User] = []
            for index in 0..<7 {
                let fan = try await world.user("fan\(index)")
                try await world.storage.relationships.follow(fan.id, star.id)
                try await world.storage.relationships.follow(fan.id, hidden.id)
                made.append(fan)
            }
            let fans = made
            let stranger = try await world.user("stranger")
            let strangerToken = try await world.token(for: stranger)
            let fanToken = try await world.token(for: fans[0])
            try await world.withApp { client in
                var seen: [String] = []
                var next: String? = "/v1/users/\(star.id)/followed-by?access_token=\(strangerToken)&count=3"
                while let url = next {
                    let page = try await client.get(url.replacingOccurrences(of: "http://darkroom.test", with: ""))
                    seen += page.users.map(\.username)
                    next = page.pagination?["next_url"]
                    if next != nil { #expect(page.pagination?["next_cursor"] != nil) }
                }
                #expect(seen == fans.reversed().map(\.username))
                let follows = try await client.get("/v1/users/\(fans[0].id)/follows?access_token=\(strangerToken)")
                #expect(follows.users.map(\.username) == ["hidden", "star"])
                #expect(try await client.get("/v1/users/\(hidden.id)/followed-by?access_token=\(strangerToken)").errorType == "APINotAllowedError")
                #expect(try await client.get("/v1/users/\(hidden.id)/followed-by?access_token=\(fanToken)").count == 7)
                #expect(try await client.get("/v1/users/\(star.id)/follows?access_token=\(strangerToken)&cursor=x").status == 400)
            }
        }
    }
}
