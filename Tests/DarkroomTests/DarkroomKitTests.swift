import DarkroomCore
import DarkroomKit
import DarkroomPhotoKit
import Foundation
import Testing

@testable import DarkroomStorage

/// DarkroomKit, the generated Swift client, used for real against a live server on each engine: signing in, the
/// Users, Relationships, Media, Likes and Comments endpoints, `next_url` pages, uploads, signed calls and errors.
@Suite struct DarkroomKitTests {
    private static let password = "analytical engine"

    @Test(arguments: Engine.available)
    func anAppSignsInReadsTheFeedPageByPageAndLikesAPhoto(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let app = try await storage.clients.create(name: "kit app", redirectURIs: ["http://localhost/cb"], trusted: true)
            _ = try await storage.users.create(
                NewUser(username: "ada", passwordHash: await PasswordHasher.hash(Self.password, cost: 4), fullName: "Ada")
            )
            let grace = try await world.user("grace", fullName: "Grace Hopper")
            try await world.withLiveServer { server in
                let darkroom = try await Darkroom.signIn(
                    server: server,
                    clientID: app.clientID,
                    clientSecret: app.clientSecret,
                    username: "ada",
                    password: Self.password,
                    scopes: [.basic, .likes, .comments, .relationships, .upload]
                )
                // Users.
                let me = try await darkroom.call { try await $0.getUser(path: .init(userId: "self")).ok.body.json.data }
                #expect(me.username == "ada" && me.fullName == "Ada" && me.counts.follows == 0)
                let found = try await darkroom.call { try await $0.searchUsers(query: .init(q: "gra")).ok.body.json.data }
                #expect(found.map(\.username) == ["grace"] && found.first?.lastName == "Hopper")

                // Relationships: Ada follows Grace, and is among her followers.
                let relationship = try await darkroom.call {
                    try await $0.changeRelationship(path: .init(userId: grace.id.description), body: .urlEncodedForm(.init(action: .follow))).ok.body
                        .json.data
                }
                #expect(relationship.outgoingStatus == .follows)
                var followers: [String] = []
                for try await page in darkroom.followers(of: grace.id.description) { followers += page.map(\.username) }
                #expect(followers == ["ada"])

                // The feed, 25 photos read ten at a time by following next_url.
                var posted: [String] = []
                for index in 0..<25 { posted.append(try await world.post(by: grace, caption: "photo \(index) #kit").description) }
                var pages: [[String]] = []
                for try await page in darkroom.feed(count: 10) { pages.append(page.map(\.id)) }
                #expect(pages.map(\.count) == [10, 10, 5] && pages.flatMap { $0 } == posted.reversed())

                // Likes and media.
                let newest = try #require(pages.first?.first)
                _ = try await darkroom.call { try await $0.likeMedia(path: .init(mediaId: newest)).ok }
                let likers = try await darkroom.call { try await $0.getLikes(path: .init(mediaId: newest)).ok.body.json.data }
                #expect(likers.map(\.username) == ["ada"])
                let media = try await darkroom.call { try await $0.getMedia(path: .init(mediaId: newest)).ok.body.json.data }
                #expect(media.userHasLiked == true && media.likes.count == 1 && media.caption?.text == "photo 24 #kit" && media.location == nil)
                let shortcode = try #require(media.link.split(separator: "/").last.map(String.init))
                let byCode = try await darkroom.call { try await $0.getMediaByShortcode(path: .init(shortcode: shortcode)).ok.body.json.data }
                #expect(byCode.id == newest)
                _ = try await darkroom.call { try await $0.unlikeMedia(path: .init(mediaId: newest)).ok }

                // Comments: post, list, delete.
                let comment = try await darkroom.call {
                    try await $0.postComment(path: .init(mediaId: newest), body: .urlEncodedForm(.init(text: "Lovely light"))).ok.body.json.data
                }
                #expect(comment.from.username == "ada")
                let comments = try await darkroom.call { try await $0.getComments(path: .init(mediaId: newest)).ok.body.json.data }
                #expect(comments.map(\.text) == ["Lovely light"])
                _ = try await darkroom.call { try await $0.deleteComment(path: .init(mediaId: newest, commentId: comment.id)).ok }
                #expect(try await darkroom.call { try await $0.getComments(path: .init(mediaId: newest)).ok.body.json.data }.isEmpty)

                // A photo upload, through a filter, appears on Ada's own page.
                let photo = Data(try SyntheticPhoto.jpeg(width: 640, height: 640))
                let uploaded = try await darkroom.upload(photo: photo, caption: "from DarkroomKit #swift", filter: "Valencia")
                #expect(uploaded.filter == "Valencia" && uploaded.user.username == "ada" && uploaded.images.standardResolution.width == 612)
                var mine: [String] = []
                for try await page in darkroom.recentMedia(of: "self") { mine += page.map(\.id) }
                #expect(mine == [uploaded.id])

                // Errors arrive as DarkroomError, in the API's terms.
                await #expect(throws: DarkroomError(code: 400, type: "APINotFoundError", message: "this user does not exist")) {
                    try await darkroom.call { try await $0.getUser(path: .init(userId: "1")).ok }
                }
                let anonymous = Darkroom(server: server, credentials: Credentials())
                let missing = await #expect(throws: DarkroomError.self) {
                    try await anonymous.call { try await $0.getUser(path: .init(userId: "self")).ok }
                }
                #expect(missing?.type == "OAuthParameterException")
                _ = try await darkroom.call {
                    try await $0.changeRelationship(path: .init(userId: grace.id.description), body: .urlEncodedForm(.init(action: .unfollow))).ok
                }
            }
        }
    }

    /// The README's example, as written there, against a live server.
    @Test func theReadmeExampleSignsInReadsTheFeedAndLikesAPhoto() async throws {
        try await TestWorld.with(.sqlite) { world in
            let app = try await world.storage.clients.create(name: "readme", redirectURIs: ["http://localhost/cb"], trusted: true)
            let ada = try await world.storage.users.create(NewUser(username: "ada", passwordHash: await PasswordHasher.hash(Self.password, cost: 4)))
            let grace = try await world.user("grace")
            try await world.storage.relationships.follow(ada.id, grace.id)
            var posted: [MediaID] = []
            for index in 0..<30 { posted.append(try await world.post(by: grace, caption: "photo \(index)")) }
            let newestPosted = posted.last!
            try await world.withLiveServer { server in
                let (clientID, clientSecret) = (app.clientID, app.clientSecret)
                let darkroom = try await Darkroom.signIn(
                    server: server,
                    clientID: clientID,
                    clientSecret: clientSecret,
                    username: "ada",
                    password: "analytical engine",
                    scopes: [.basic, .likes]
                )
                var liked = false
                for try await page in darkroom.feed(count: 20) {
                    for media in page { print(media.user.username, media.caption?.text ?? "") }
                    if !liked, let newest = page.first {
                        _ = try await darkroom.call { try await $0.likeMedia(path: .init(mediaId: newest.id)).ok }
                        liked = true
                    }
                }
                let likers = try await world.storage.likes.likers(of: newestPosted, viewer: nil).map(\.username)
                #expect(liked && likers == ["ada"])
            }
        }
    }

    @Test func signedCallsAndTheOAuthHelpers() async throws {
        try await TestWorld.with(.sqlite) { world in
            let storage = world.storage
            let app = try await storage.clients.create(
                .init(name: "signed app", redirectURIs: ["http://localhost/cb"], enforceSigned: true),
                ownerID: nil,
                trusted: true
            )
            _ = try await storage.users.create(NewUser(username: "ada", passwordHash: await PasswordHasher.hash(Self.password, cost: 4)))
            try await world.withLiveServer { server in
                let signed = try await Darkroom.signIn(
                    server: server,
                    clientID: app.clientID,
                    clientSecret: app.clientSecret,
                    username: "ada",
                    password: Self.password,
                    signsRequests: true
                )
                #expect(try await signed.call { try await $0.searchUsers(query: .init(q: "a d+a", count: 5)).ok.body.json.data }.isEmpty)
                #expect(try await signed.call { try await $0.getUser(path: .init(userId: "self")).ok.body.json.data.username } == "ada")
                let unsigned = Darkroom(server: server, credentials: Credentials(accessToken: signed.credentials.accessToken))
                let refused = await #expect(throws: DarkroomError.self) {
                    try await unsigned.call { try await $0.getUser(path: .init(userId: "self")).ok }
                }
                #expect(refused?.type == "OAuthForbiddenException")
                let wrongPassword = await #expect(throws: DarkroomError.self) {
                    try await Darkroom.signIn(
                        server: server,
                        clientID: app.clientID,
                        clientSecret: app.clientSecret,
                        username: "ada",
                        password: "nope"
                    )
                }
                #expect(wrongPassword?.code == 400)
            }
            // The authorization code flow with PKCE: the page's address, then (the person having agreed) the exchange.
            let pkce = OAuth.PKCE.make()
            let address = OAuth.authorizationURL(
                server: URL(string: "http://127.0.0.1:8080")!,
                clientID: app.clientID,
                redirectURI: "http://localhost/cb",
                scopes: [.basic, .likes],
                state: "s1",
                pkce: pkce
            )
            let items = URLComponents(url: address, resolvingAgainstBaseURL: false)?.queryItems ?? []
            #expect(
                address.path == "/oauth/authorize" && items.contains(URLQueryItem(name: "scope", value: "basic likes"))
                    && items.contains(URLQueryItem(name: "code_challenge", value: pkce.challenge))
                    && PKCE.verifies(pkce.verifier, challenge: pkce.challenge)
            )
            let ada = try #require(try await storage.users.find(username: "ada"))
            let code = try await storage.codes.issue(
                .init(
                    client: app.ref,
                    userID: ada.id,
                    redirectURI: "http://localhost/cb",
                    scopes: [.basic, .likes],
                    codeChallenge: pkce.challenge
                )
            )
            try await world.withLiveServer { server in
                let exchanged = try await Darkroom.exchange(
                    code: code,
                    server: server,
                    clientID: app.clientID,
                    clientSecret: app.clientSecret,
                    redirectURI: "http://localhost/cb",
                    pkce: pkce,
                    signsRequests: true
                )
                #expect(try await exchanged.call { try await $0.getUser(path: .init(userId: "self")).ok.body.json.data.username } == "ada")
            }
        }
    }

    @Test(arguments: Engine.available)
    func anAppPostsAVideoAndReadsItOnceReady(engine: Engine) async throws {
        let clip = Data(try await SampleClips.make(seconds: 1, width: 320, height: 240))
        try await TestWorld.with(engine) { world in
            let app = try await world.storage.clients.create(name: "kit app", redirectURIs: ["http://localhost/cb"], trusted: true)
            _ = try await world.storage.users.create(
                NewUser(username: "ada", passwordHash: await PasswordHasher.hash(Self.password, cost: 4), fullName: "Ada")
            )
            try await world.withLiveServer(configure: { $0.runsJobs = false }) { server in
                let darkroom = try await Darkroom.signIn(
                    server: server,
                    clientID: app.clientID,
                    clientSecret: app.clientSecret,
                    username: "ada",
                    password: Self.password,
                    scopes: [.basic, .upload]
                )
                let processing = try await darkroom.uploadVideo(clip, caption: "moving", filter: "Valencia", coverTime: 0.5)
                #expect(processing.status == .processing && processing._type == .video)
                #expect(try await darkroom.mediaIfReady(mediaID: processing.id) == nil)
                try await VideoTests.runJobs(world)
                let media = try #require(try await darkroom.mediaIfReady(mediaID: processing.id))
                #expect(media._type == .video && media.videos?.standardResolution.width == 640 && media.videos?.lowBandwidth.width == 480)
                #expect(media.videoRenditions?.map(\.width) == [320])
            }
        }
    }
}
