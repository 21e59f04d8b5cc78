import DarkroomCore
import DarkroomStorage
import Foundation
import HummingbirdTesting
import Testing

/// `/media/{id}`, `/media/shortcode/{code}`, `/media/popular` and the Tags endpoints.
@Suite struct MediaAndTagsTests {
    @Test(arguments: Engine.available)
    func mediaByIDAndShortcodeFollowTheVisibilityRule(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let hiddenOwner = try await world.user("hidden", isPrivate: true)
            let media = try await world.post(by: owner, caption: "hello #there")
            let hidden = try await world.post(by: hiddenOwner)
            let app = try await world.client()
            try await world.withApp { client in
                let byID = try await client.get("/v1/media/\(media).json?client_id=\(app.clientID)")
                #expect(byID.media?.id == media.description)
                #expect(!byID.keys().contains("user_has_liked"))
                let byCode = try await client.get("/v1/media/shortcode/\(Shortcode.encode(media))?client_id=\(app.clientID)")
                #expect(byCode.media?.id == media.description)
                #expect(try await client.get("/v1/media/\(media)_\(owner.id)?client_id=\(app.clientID)").media?.id == media.description)
                #expect(try await client.get("/v1/media/\(hidden)?client_id=\(app.clientID)").errorType == "APINotAllowedError")
                #expect(
                    try await client.get("/v1/media/shortcode/\(Shortcode.encode(hidden))?client_id=\(app.clientID)").errorType
                        == "APINotAllowedError"
                )
                #expect(try await client.get("/v1/media/999?client_id=\(app.clientID)").errorType == "APINotFoundError")
                #expect(try await client.get("/v1/media/shortcode/%2B%2B?client_id=\(app.clientID)").errorType == "APINotFoundError")
            }
        }
    }

    @Test(arguments: Engine.available)
    func popularRanksEngagementWithTimeDecay(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let hiddenOwner = try await world.user("hidden", isPrivate: true)
            let fans = try await Array(0..<4).asyncMap { try await world.user("fan\($0)") }
            let old = try await world.post(by: owner)
            let quiet = try await world.post(by: owner, advance: 3 * 3600)
            let loved = try await world.post(by: owner, advance: 60)
            let secret = try await world.post(by: hiddenOwner, advance: 60)
            for fan in fans {
                try await world.storage.likes.like(old, by: fan.id)
                try await world.storage.likes.like(loved, by: fan.id)
                try await world.storage.likes.like(secret, by: fan.id)
            }
            _ = quiet
            let app = try await world.client()
            try await world.withApp { client in
                let popular = try await client.get("/v1/media/popular?client_id=\(app.clientID)")
                #expect(popular.ids.first == loved.description)
                #expect(popular.ids.firstIndex(of: loved.description)! < popular.ids.firstIndex(of: old.description)!)
                #expect(!popular.ids.contains(secret.description))
                #expect(popular.pagination == nil)
            }
        }
    }

    @Test(arguments: Engine.available)
    func tagsCountSearchAndPageTheirMedia(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let hiddenOwner = try await world.user("hidden", isPrivate: true)
            var made: [MediaID] = []
            for index in 0..<5 { made.append(try await world.post(by: owner, caption: "shot \(index) #Snow #snowday")) }
            let tagged = made
            try await world.post(by: hiddenOwner, caption: "#snow")
            try await world.post(by: owner, caption: "#café")
            let app = try await world.client()
            try await world.withApp { client in
                let tag = try await client.get("/v1/tags/snow?client_id=\(app.clientID)")
                #expect(tag.tag?.name == "snow")
                // The private account's #snow is not counted for a caller who may not see it.
                #expect(tag.tag?.mediaCount == 5)
                #expect(try await client.get("/v1/tags/caf%C3%A9?client_id=\(app.clientID)").tag?.mediaCount == 1)
                #expect(try await client.get("/v1/tags/nothing?client_id=\(app.clientID)").tag?.mediaCount == 0)
                #expect(try await client.get("/v1/tags/bad-name?client_id=\(app.clientID)").errorType == "APIInvalidParametersError")

                let search = try await client.get("/v1/tags/search?q=snow&client_id=\(app.clientID)")
                #expect(search.tags.map(\.name) == ["snow", "snowday"])
                #expect(try await client.get("/v1/tags/search?client_id=\(app.clientID)").errorType == "APIInvalidParametersError")

                var seen: [String] = []
                var next: String? = "/v1/tags/snow/media/recent?client_id=\(app.clientID)&count=2"
                while let url = next {
                    let page = try await client.get(url.replacingOccurrences(of: "http://darkroom.test", with: ""))
                    seen += page.ids
                    next = page.pagination?["next_url"]
                    if next != nil { #expect(page.pagination?["next_max_tag_id"] != nil) }
                    #expect(page.pagination?["min_tag_id"] != nil)
                }
                // Private media is left out for a viewer who may not see it.
                #expect(seen == tagged.reversed().map(\.description))

                // A 2013 client pages by `next_max_id` alone, sent back as `max_id`: the same walk, no loop on page one.
                var oldSeen: [String] = []
                var cursor: String? = ""
                while let maxID = cursor, oldSeen.count <= tagged.count {
                    let page = try await client.get(
                        "/v1/tags/snow/media/recent?client_id=\(app.clientID)&count=2" + (maxID.isEmpty ? "" : "&max_id=\(maxID)")
                    )
                    oldSeen += page.ids
                    cursor = page.pagination?["next_max_id"]
                    #expect(page.pagination?["next_max_id"] == page.pagination?["next_max_tag_id"])
                    #expect(page.pagination?["next_min_id"] == page.pagination?["min_tag_id"])
                    #expect(page.pagination?["deprecation_warning"]?.contains("deprecated") == true)
                }
                #expect(oldSeen == seen)
            }
        }
    }
}

/// Hashtags used only by a private account are seen and counted only by who may see its media.
@Suite struct PrivateTagsTests {
    @Test(arguments: Engine.available)
    func privateHashtagsAreCountedOnlyThroughMediaTheViewerMaySee(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let secret = try await world.user("secret", isPrivate: true)
            let open = try await world.user("open")
            let friend = try await world.user("friend")
            let stranger = try await world.user("stranger")
            let pest = try await world.user("pest")
            try await world.storage.relationships.follow(friend.id, secret.id)
            try await world.post(by: secret, caption: "#ourstreet42 at home #sunset")
            try await world.post(by: secret, caption: "again #ourstreet42")
            try await world.post(by: open, caption: "#sunset over the bay")
            try await world.post(by: pest, caption: "#sunset too")
            try await world.storage.relationships.block(stranger.id, pest.id)
            let app = try await world.client()
            let tokens = (
                friend: try await world.token(for: friend), stranger: try await world.token(for: stranger),
                owner: try await world.token(for: secret)
            )
            try await world.withApp { client in
                // (who, auth, ourstreet42 count, sunset count)
                for (label, auth, street, sunset) in [
                    ("anyone", "client_id=\(app.clientID)", 0, 2), ("stranger", "access_token=\(tokens.stranger)", 0, 1),
                    ("follower", "access_token=\(tokens.friend)", 2, 3), ("owner", "access_token=\(tokens.owner)", 2, 3),
                ] {
                    #expect(try await client.get("/v1/tags/ourstreet42?\(auth)").tag?.mediaCount == street, "count: \(label)")
                    #expect(try await client.get("/v1/tags/sunset?\(auth)").tag?.mediaCount == sunset, "count: \(label)")
                    let found = try await client.get("/v1/tags/search?q=our&\(auth)").tags
                    #expect(found.map(\.name) == (street > 0 ? ["ourstreet42"] : []), "search: \(label)")
                    #expect(found.first?.mediaCount == (street > 0 ? street : nil), "search count: \(label)")
                }
            }
            // Turning public shows them to everyone; turning private again hides them.
            try await world.storage.users.update(secret.id, profile: .init(fullName: "", bio: "", website: "", isPrivate: false))
            #expect(try await world.storage.tags.find("ourstreet42", viewer: nil).mediaCount == 2)
            try await world.storage.users.update(secret.id, profile: .init(fullName: "", bio: "", website: "", isPrivate: true))
            #expect(try await world.storage.tags.find("ourstreet42", viewer: nil).mediaCount == 0)
            #expect(try await world.storage.tags.find("sunset", viewer: nil).mediaCount == 2)
        }
    }
}
