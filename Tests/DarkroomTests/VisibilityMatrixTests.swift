import DarkroomCore
import DarkroomStorage
import Foundation
import HummingbirdTesting
import Testing

/// Every read endpoint against every relationship state a viewer can be in, for a public and a private owner:
/// what may appear appears, and nothing else does.
@Suite struct VisibilityMatrixTests {
    enum State: String, CaseIterable {
        case anonymous, owner, stranger, requested, approved, blockedByOwner, blockingOwner
    }

    static func mayViewMedia(_ state: State, ownerIsPrivate: Bool) -> Bool {
        switch state {
        case .owner, .approved: true
        case .anonymous, .stranger, .requested: !ownerIsPrivate
        case .blockedByOwner, .blockingOwner: false
        }
    }

    static func hiddenEntirely(_ state: State) -> Bool { state == .blockedByOwner || state == .blockingOwner }

    @Test(arguments: Engine.available)
    func everyEndpointInEveryState(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let hub = try await world.user("hub")
            let place = try await world.storage.locations.create(name: "Matrix Square", at: GeoPoint(latitude: 10, longitude: 20))
            let commenter = try await world.user("commenter")
            let app = try await world.client()
            for ownerIsPrivate in [false, true] {
                let owner = try await world.user(ownerIsPrivate ? "privateowner" : "publicowner", isPrivate: ownerIsPrivate)
                try await world.storage.relationships.follow(owner.id, hub.id)
                let media = try await world.post(by: owner, caption: "look #matrix", at: place)
                try await world.storage.likes.like(media, by: commenter.id)
                _ = try await world.storage.comments.create(on: media, by: commenter.id, text: "nice")
                let relationships = world.storage.relationships

                var credentials: [State: String] = [.anonymous: "client_id=\(app.clientID)"]
                for state in State.allCases where state != .anonymous {
                    let viewer = state == .owner ? owner : try await world.user("\(state.rawValue)\(ownerIsPrivate ? "p" : "o")")
                    // Liked before the relationship took its shape: the liked list must follow what is visible now.
                    try await world.storage.likes.like(media, by: viewer.id)
                    switch state {
                    case .requested:
                        try await relationships.requestFollow(
                            viewer.id, owner.id, current: relationships.relationship(of: viewer.id, to: owner.id))
                        if !ownerIsPrivate { try await relationships.unfollow(viewer.id, owner.id) }
                    case .approved: try await relationships.follow(viewer.id, owner.id)
                    case .blockedByOwner:
                        try await relationships.follow(viewer.id, owner.id)
                        try await relationships.block(owner.id, viewer.id)
                    case .blockingOwner:
                        try await relationships.follow(viewer.id, owner.id)
                        try await relationships.block(viewer.id, owner.id)
                    default: break
                    }
                    credentials[state] = "access_token=\(try await world.token(for: viewer))"
                }

                let allCredentials = credentials
                try await world.withApp { client in
                    for state in State.allCases {
                        let auth = allCredentials[state]!
                        let label = "\(state) of \(ownerIsPrivate ? "private" : "public") owner"
                        let mayView = Self.mayViewMedia(state, ownerIsPrivate: ownerIsPrivate)
                        let hidden = Self.hiddenEntirely(state)

                        let profile = try await client.get("/v1/users/\(owner.id)?\(auth)")
                        #expect((profile.status == 200) == !hidden, "profile: \(label)")
                        if hidden { #expect(profile.errorType == "APINotFoundError", "profile: \(label)") }

                        for path in ["/v1/users/\(owner.id)/media/recent", "/v1/users/\(owner.id)/follows", "/v1/users/\(owner.id)/followed-by",
                                     "/v1/media/\(media)/likes", "/v1/media/\(media)/comments"] {
                            let response = try await client.get("\(path)?\(auth)")
                            if mayView {
                                #expect(response.status == 200 && response.count > 0, "\(path): \(label)")
                            } else {
                                #expect(response.errorType == "APINotAllowedError", "\(path): \(label)")
                                #expect(!response.hasDataField, "\(path): \(label)")
                            }
                        }

                        for path in ["/v1/media/\(media)", "/v1/media/shortcode/\(Shortcode.encode(media))"] {
                            let response = try await client.get("\(path)?\(auth)")
                            if mayView {
                                #expect(response.media?.id == media.description, "\(path): \(label)")
                            } else {
                                #expect(response.errorType == "APINotAllowedError", "\(path): \(label)")
                            }
                        }
                        for path in ["/v1/tags/matrix/media/recent", "/v1/locations/\(place.id!)/media/recent",
                                     "/v1/media/search?lat=10&lng=20&distance=100", "/v1/media/popular"] {
                            let separator = path.contains("?") ? "&" : "?"
                            let response = try await client.get("\(path)\(separator)\(auth)")
                            #expect(response.status == 200, "\(path): \(label)")
                            #expect(response.ids.contains(media.description) == mayView, "\(path): \(label)")
                        }
                        if state != .anonymous {
                            let liked = try await client.get("/v1/users/self/media/liked?\(auth)")
                            #expect(liked.ids.contains(media.description) == mayView, "liked: \(label)")
                        }

                        let search = try await client.get("/v1/users/search?q=\(owner.username)&\(auth)")
                        #expect(search.ids.contains(owner.id.description) == !hidden, "search: \(label)")

                        let followers = try await client.get("/v1/users/\(hub.id)/followed-by?\(auth)")
                        #expect(followers.ids.contains(owner.id.description) == !hidden, "hub followers: \(label)")

                        if state != .anonymous {
                            let feed = try await client.get("/v1/users/self/feed?\(auth)")
                            let inFeed = feed.ids.contains(media.description)
                            #expect(inFeed == (state == .owner || state == .approved), "feed: \(label)")
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: Engine.available)
    func samplesInMediaObjectsHideBlockedLikersAndCommenters(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let viewer = try await world.user("viewer")
            let pest = try await world.user("pest")
            let media = try await world.post(by: owner)
            try await world.storage.likes.like(media, by: pest.id)
            _ = try await world.storage.comments.create(on: media, by: pest.id, text: "from the pest")
            let viewerToken = try await world.token(for: viewer)
            let path = "/v1/users/\(owner.id)/media/recent?access_token=\(viewerToken)"
            try await world.withApp { client in
                let before = try #require(try await client.get(path).mediaList.first)
                #expect(before.comments.data.count == 1)
                try await world.storage.relationships.block(pest.id, viewer.id)
                let viewerAfter = viewerToken
                let after = try #require(try await client.get("/v1/users/\(owner.id)/media/recent?access_token=\(viewerAfter)").mediaList.first)
                #expect(after.comments.data.isEmpty)
                #expect(after.likes.data.isEmpty)
                #expect(try await client.get("/v1/media/\(media)/comments?access_token=\(viewerAfter)").count == 0)
                #expect(try await client.get("/v1/media/\(media)/likes?access_token=\(viewerAfter)").count == 0)
                // Others still see the pest's comment.
                let ownerToken = try await world.token(for: owner)
                let forOwner = try #require(try await client.get("/v1/users/\(owner.id)/media/recent?access_token=\(ownerToken)").mediaList.first)
                #expect(forOwner.comments.data.count == 1)
            }
        }
    }
}
