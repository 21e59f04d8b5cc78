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

    /// An owner (public or private) with a media at a place, tagged, liked and commented on, a hub the owner follows,
    /// and a viewer in each state with its credentials.
    struct Scene: Sendable {
        var owner: User
        var hub: User
        var media: MediaID
        var place: Location
        var credentials: [State: String]
        var ownerIsPrivate: Bool

        func label(_ state: State) -> String { "\(state) of \(ownerIsPrivate ? "private" : "public") owner" }
        func mayView(_ state: State) -> Bool { VisibilityMatrixTests.mayViewMedia(state, ownerIsPrivate: ownerIsPrivate) }
    }

    static let privacies = [false, true]

    static func withScene(
        _ engine: Engine,
        ownerIsPrivate: Bool,
        _ body: @escaping @Sendable (Scene, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestWorld.with(engine) { world in
            let hub = try await world.user("hub")
            let place = try await world.storage.locations.create(name: "Matrix Square", at: GeoPoint(latitude: 10, longitude: 20))
            let commenter = try await world.user("commenter")
            let app = try await world.client()
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
                        viewer.id,
                        owner.id,
                        current: relationships.relationship(of: viewer.id, to: owner.id)
                    )
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
            let scene = Scene(owner: owner, hub: hub, media: media, place: place, credentials: credentials, ownerIsPrivate: ownerIsPrivate)
            try await world.withApp { client in try await body(scene, client) }
        }
    }

    @Test(arguments: Engine.available, privacies)
    func profileInEveryState(engine: Engine, ownerIsPrivate: Bool) async throws {
        try await Self.withScene(engine, ownerIsPrivate: ownerIsPrivate) { scene, client in
            for state in State.allCases {
                // The blocker still sees the profile of whom it blocks (to unblock); the blocked sees nothing.
                let hidden = state == .blockedByOwner
                let profile = try await client.get("/v1/users/\(scene.owner.id)?\(scene.credentials[state]!)")
                #expect((profile.status == 200) == !hidden, "profile: \(scene.label(state))")
                if hidden { #expect(profile.errorType == "APINotFoundError", "profile: \(scene.label(state))") }
            }
        }
    }

    @Test(arguments: Engine.available, privacies)
    func ownersListsAndEngagementInEveryState(engine: Engine, ownerIsPrivate: Bool) async throws {
        try await Self.withScene(engine, ownerIsPrivate: ownerIsPrivate) { scene, client in
            for state in State.allCases {
                for path in [
                    "/v1/users/\(scene.owner.id)/media/recent", "/v1/users/\(scene.owner.id)/follows", "/v1/users/\(scene.owner.id)/followed-by",
                    "/v1/media/\(scene.media)/likes", "/v1/media/\(scene.media)/comments",
                ] {
                    let response = try await client.get("\(path)?\(scene.credentials[state]!)")
                    if scene.mayView(state) {
                        #expect(response.status == 200 && response.count > 0, "\(path): \(scene.label(state))")
                    } else {
                        #expect(response.errorType == "APINotAllowedError", "\(path): \(scene.label(state))")
                        #expect(!response.hasDataField, "\(path): \(scene.label(state))")
                    }
                }
            }
        }
    }

    @Test(arguments: Engine.available, privacies)
    func singleMediaInEveryState(engine: Engine, ownerIsPrivate: Bool) async throws {
        try await Self.withScene(engine, ownerIsPrivate: ownerIsPrivate) { scene, client in
            for state in State.allCases {
                for path in ["/v1/media/\(scene.media)", "/v1/media/shortcode/\(Shortcode.encode(scene.media))"] {
                    let response = try await client.get("\(path)?\(scene.credentials[state]!)")
                    if scene.mayView(state) {
                        #expect(response.media?.id == scene.media.description, "\(path): \(scene.label(state))")
                    } else {
                        #expect(response.errorType == "APINotAllowedError", "\(path): \(scene.label(state))")
                    }
                }
            }
        }
    }

    @Test(arguments: Engine.available, privacies)
    func tagPlaceGeoAndPopularListsInEveryState(engine: Engine, ownerIsPrivate: Bool) async throws {
        try await Self.withScene(engine, ownerIsPrivate: ownerIsPrivate) { scene, client in
            for state in State.allCases {
                for path in [
                    "/v1/tags/matrix/media/recent", "/v1/locations/\(scene.place.id!)/media/recent",
                    "/v1/media/search?lat=10&lng=20&distance=100", "/v1/media/popular",
                ] {
                    let separator = path.contains("?") ? "&" : "?"
                    let response = try await client.get("\(path)\(separator)\(scene.credentials[state]!)")
                    #expect(response.status == 200, "\(path): \(scene.label(state))")
                    #expect(response.ids.contains(scene.media.description) == scene.mayView(state), "\(path): \(scene.label(state))")
                }
            }
        }
    }

    @Test(arguments: Engine.available, privacies)
    func likedMediaAndFeedInEveryState(engine: Engine, ownerIsPrivate: Bool) async throws {
        try await Self.withScene(engine, ownerIsPrivate: ownerIsPrivate) { scene, client in
            for state in State.allCases where state != .anonymous {
                let auth = scene.credentials[state]!
                let liked = try await client.get("/v1/users/self/media/liked?\(auth)")
                #expect(liked.ids.contains(scene.media.description) == scene.mayView(state), "liked: \(scene.label(state))")
                let feed = try await client.get("/v1/users/self/feed?\(auth)")
                #expect(feed.ids.contains(scene.media.description) == (state == .owner || state == .approved), "feed: \(scene.label(state))")
            }
        }
    }

    @Test(arguments: Engine.available, privacies)
    func userSearchAndThirdPartyFollowerListsInEveryState(engine: Engine, ownerIsPrivate: Bool) async throws {
        try await Self.withScene(engine, ownerIsPrivate: ownerIsPrivate) { scene, client in
            for state in State.allCases {
                let auth = scene.credentials[state]!
                let hidden = Self.hiddenEntirely(state)
                let search = try await client.get("/v1/users/search?q=\(scene.owner.username)&\(auth)")
                #expect(search.ids.contains(scene.owner.id.description) == !hidden, "search: \(scene.label(state))")
                let followers = try await client.get("/v1/users/\(scene.hub.id)/followed-by?\(auth)")
                #expect(followers.ids.contains(scene.owner.id.description) == !hidden, "hub followers: \(scene.label(state))")
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
