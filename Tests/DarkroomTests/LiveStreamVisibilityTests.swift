import DarkroomCore
import Foundation
import Logging
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// What a person's live stream (`/v1/stream`) carries, against every state they can be in towards a poster: an app's
/// subscriptions are the app's, but the stream is read by one person, and nothing they may not see reaches them,
/// whether it arrives live or is replayed from the start.
@Suite struct LiveStreamVisibilityTests {
    enum State: String, CaseIterable {
        case owner, stranger, requested, approved, blockedByOwner, blockingOwner, ownerSuspended
    }

    enum Delivery: String, CaseIterable { case live, replay }

    static func mayView(_ state: State, ownerIsPrivate: Bool) -> Bool {
        switch state {
        case .owner, .approved: true
        case .stranger, .requested: !ownerIsPrivate
        case .blockedByOwner, .blockingOwner, .ownerSuspended: false
        }
    }

    @Test(arguments: Engine.available, [false, true])
    func aStreamCarriesOnlyWhatItsReaderMaySee(engine: Engine, ownerIsPrivate: Bool) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let app = try await world.client()
            let place = try await storage.locations.create(name: "Pier", at: GeoPoint(latitude: 51.5, longitude: -0.12))
            for subscription: SubscriptionStore.NewSubscription in [
                .init(object: .user, objectID: nil, callbackURL: "http://example.com/cb", verifyToken: nil),
                .init(object: .tag, objectID: "sunset", callbackURL: "http://example.com/cb", verifyToken: nil),
                .init(object: .location, objectID: String(place.id!.rawValue), callbackURL: "http://example.com/cb", verifyToken: nil),
                .init(
                    object: .geography,
                    objectID: nil,
                    callbackURL: "http://example.com/cb",
                    verifyToken: nil,
                    center: GeoPoint(latitude: 51.5, longitude: -0.12),
                    radius: 1000
                ),
            ] {
                _ = try await storage.subscriptions.create(subscription, for: app.ref, limit: 10)
            }

            let owner = try await world.user("poster", isPrivate: ownerIsPrivate)
            // The owner's own token of the app: what makes a private account's posts announced to the app at all.
            _ = try await storage.tokens.create(userID: owner.id, client: app, scopes: [.basic])
            let relationships = storage.relationships
            var viewers: [State: UserID] = [:]
            for state in State.allCases {
                let viewer = state == .owner ? owner : try await world.user("viewer_\(state.rawValue)")
                _ = try await storage.tokens.create(userID: viewer.id, client: app, scopes: [.basic])
                switch state {
                case .requested:
                    try await relationships.requestFollow(viewer.id, owner.id, current: relationships.relationship(of: viewer.id, to: owner.id))
                    if !ownerIsPrivate { try await relationships.unfollow(viewer.id, owner.id) }
                case .approved, .ownerSuspended: try await relationships.follow(viewer.id, owner.id)
                case .blockedByOwner:
                    try await relationships.follow(viewer.id, owner.id)
                    try await relationships.block(owner.id, viewer.id)
                case .blockingOwner:
                    try await relationships.follow(viewer.id, owner.id)
                    try await relationships.block(viewer.id, owner.id)
                case .owner, .stranger: break
                }
                viewers[state] = viewer.id
            }
            var liveCursors: [State: Int64] = [:]
            for (state, viewer) in viewers { liveCursors[state] = try await storage.liveEvents.now(user: viewer, client: app.ref) }

            let media = try await world.post(by: owner, caption: "low tide #sunset", at: place)
            try await JobWorker(storage: storage, logger: Logger(label: "test")).drain()
            let objects = Set(try await storage.notifications.recent(for: app.ref, limit: 10).filter { $0.mediaID == media }.map(\.object))
            #expect(objects == ["user", "tag", "location", "geography"], "every kind of subscription was notified")

            // The suspended-owner column: an approved follower, until the account is suspended.
            let suspendedOwnerIsSeen = try await storage.liveEvents.after(0, user: viewers[.ownerSuspended]!, client: app.ref).contains {
                $0.mediaID == media
            }
            #expect(suspendedOwnerIsSeen, "an approved follower hears of the post while the account stands")

            for state in State.allCases {
                if state == .ownerSuspended { #expect(try await storage.suspendAccount.suspend(owner.id, reason: "spam", actor: "test")) }
                for delivery in Delivery.allCases {
                    let cursor = delivery == .live ? liveCursors[state]! : 0
                    let events = try await storage.liveEvents.after(cursor, user: viewers[state]!, client: app.ref).filter { $0.mediaID == media }
                    let label = "\(state) of a \(ownerIsPrivate ? "private" : "public") owner, \(delivery)"
                    if Self.mayView(state, ownerIsPrivate: ownerIsPrivate) {
                        #expect(Set(events.compactMap(\.object)) == objects, "\(label): every notification")
                        let followsFeed = state == .owner || state == .approved
                        #expect(events.contains { $0.kind == .media } == followsFeed, "\(label): the feed's media")
                    } else {
                        #expect(events.isEmpty, "\(label): \(events.map { "\($0.kind) \($0.object ?? "")" })")
                    }
                }
                if state == .ownerSuspended { #expect(try await storage.suspendAccount.reinstate(owner.id, reason: "appeal", actor: "test")) }
            }
        }
    }
}

/// The live stream over HTTP: it wakes when something is written (here or, on PostgreSQL, in another process) rather
/// than polling, carries the rule above end to end, and holds to its caps.
@Suite struct LiveStreamTests {
    @Test(arguments: Engine.available)
    func aStreamHearsAFollowedPostAndAPublicTagButNoPrivateOne(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let app = try await world.client()
            _ = try await storage.subscriptions.create(
                .init(object: .tag, objectID: "sunset", callbackURL: "http://127.0.0.1:9/cb", verifyToken: nil),
                for: app.ref,
                limit: 10
            )
            let viewer = try await world.user("viewer")
            let followed = try await world.user("followed")
            let hidden = try await world.user("hidden", isPrivate: true)
            let stranger = try await world.user("stranger")
            try await storage.relationships.follow(viewer.id, followed.id)
            let token = try await storage.tokens.create(userID: viewer.id, client: app, scopes: [.basic])
            _ = try await storage.tokens.create(userID: hidden.id, client: app, scopes: [.basic])
            try await world.withLiveServer { base in
                let reader = try await StreamReader.open(port: base.port!, path: "/v1/stream?access_token=\(token)")
                defer { Task { await reader.close() } }
                #expect(try await eventually(30) { reader.text.contains(": connected") })
                #expect(reader.status == 200)
                let privatePost = try await world.post(by: hidden, caption: "#sunset behind the curtain")
                let publicPost = try await world.post(by: stranger, caption: "#sunset for all")
                let followedPost = try await world.post(by: followed, caption: "hello")
                #expect(try await eventually(30) { reader.mediaIDs(of: "media") == [followedPost.description] })
                #expect(
                    try await eventually(30) { reader.mediaIDs(of: "notification") == [publicPost.description] },
                    "notifications seen: \(reader.mediaIDs(of: "notification")); expected \(publicPost)"
                )
                #expect(!reader.text.contains(privatePost.description))
                // Replayed from the start, the private post stays out as well.
                let replay = try await StreamReader.open(port: base.port!, path: "/v1/stream?access_token=\(token)", headers: ["Last-Event-ID": "0"])
                defer { Task { await replay.close() } }
                #expect(try await eventually(30) { replay.mediaIDs(of: "notification") == [publicPost.description] })
                #expect(!replay.text.contains(privatePost.description))
                // Idle, both wait on the signal. (On PostgreSQL every suite's posts on the shared database notify the same
                // channel, so under a parallel run the streams are woken too often to be caught both waiting at once.)
                if engine == .sqlite {
                    #expect(try await eventually(30) { storage.live.waiting >= 2 }, "idle streams wait on the signal")
                }
            }
        }
    }

    @Test(arguments: Engine.available)
    func streamsAreCappedPerPersonAcrossAppsAndPerServer(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let busy = try await world.user("busy")
            let other = try await world.user("other")
            let late = try await world.user("late")
            var tokens: [String] = []
            for index in 0..<3 {
                let app = try await storage.clients.create(name: "app \(index)", redirectURIs: ["http://localhost/cb"])
                tokens.append(try await storage.tokens.create(userID: busy.id, client: app, scopes: [.basic]))
            }
            let busyTokens = tokens
            let otherToken = try await world.token(for: other)
            let lateToken = try await world.token(for: late)
            try await world.withLiveServer(configure: { $0.streamLimits = StreamLimits(perPerson: 2, perServer: 3) }) { base in
                var open: [StreamReader] = []
                for token in busyTokens.prefix(2) + [otherToken] {
                    let reader = try await StreamReader.open(port: base.port!, path: "/v1/stream?access_token=\(token)")
                    #expect(try await eventually(30) { reader.status != nil })
                    #expect(reader.status == 200)
                    open.append(reader)
                }
                let thirdApp = try await StreamReader.open(port: base.port!, path: "/v1/stream?access_token=\(busyTokens[2])")
                #expect(try await eventually(30) { thirdApp.text.contains("OAuthRateLimitException") })
                #expect(thirdApp.status == 429 && thirdApp.text.contains("one user."))
                let full = try await StreamReader.open(port: base.port!, path: "/v1/stream?access_token=\(lateToken)")
                #expect(try await eventually(30) { full.text.contains("OAuthRateLimitException") })
                #expect(full.status == 429 && full.text.contains("as many streams open as it can hold"))
                for reader in open + [thirdApp, full] { await reader.close() }
            }
        }
    }

    /// The person's activity reaches their stream, whichever app holds it; a blocked actor's does not. On PostgreSQL
    /// the like goes through another process, whose notice alone wakes the stream.
    @Test(arguments: Engine.available)
    func aStreamCarriesThePersonsActivity(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let ann = try await world.user("ann")
            let bob = try await world.user("bob")
            let eve = try await world.user("eve")
            let photo = try await world.post(by: ann, caption: "Harbour")
            try await world.storage.relationships.block(ann.id, eve.id)
            let token = try await world.token(for: ann)
            let elsewhere =
                engine == .postgres
                ? try await Storage.open(databaseURL: world.databaseURL, dataDirectory: world.dataDirectory, environment: world.storage.environment)
                : world.storage
            do {
                try await world.withLiveServer { base in
                    let reader = try await StreamReader.open(port: base.port!, path: "/v1/stream?access_token=\(token)")
                    defer { Task { await reader.close() } }
                    #expect(try await eventually(30) { reader.text.contains(": connected") })
                    _ = try await world.storage.comments.create(on: photo, by: eve.id, text: "from a blocked account")
                    try await elsewhere.likes.like(photo, by: bob.id)
                    #expect(try await eventually(30) { reader.mediaIDs(of: "activity") == [photo.description] })
                    #expect(reader.text.contains("\"type\":\"like\"") && reader.text.contains("\"user_id\":\"\(bob.id)\""))
                    #expect(!reader.text.contains("\"user_id\":\"\(eve.id)\""), "a blocked account's comment is not carried")
                }
            } catch {
                if engine == .postgres { await elsewhere.database.close() }
                throw error
            }
            if engine == .postgres { await elsewhere.database.close() }
        }
    }

    /// Two server processes on one PostgreSQL database: a post through one wakes a stream held by the other.
    @Test(.enabled(if: Engine.available.contains(.postgres)))
    func aPostThroughAnotherProcessWakesTheStream() async throws {
        try await TestWorld.with(.postgres) { world in
            let viewer = try await world.user("viewer")
            let followed = try await world.user("followed")
            try await world.storage.relationships.follow(viewer.id, followed.id)
            let token = try await world.token(for: viewer)
            let elsewhere = try await Storage.open(
                databaseURL: world.databaseURL,
                dataDirectory: world.dataDirectory,
                environment: world.storage.environment
            )
            do {
                try await world.withLiveServer { base in
                    let reader = try await StreamReader.open(port: base.port!, path: "/v1/stream?access_token=\(token)")
                    defer { Task { await reader.close() } }
                    #expect(try await eventually(30) { reader.text.contains(": connected") })
                    world.clock.advance(seconds: 60)
                    let post = try await elsewhere.mediaWriter.create(
                        NewMedia(
                            owner: followed.id,
                            caption: "from the other server",
                            renditions: Renditions(key: "test/x", standard: 612, low: 306, thumbnail: 150)
                        )
                    )
                    // Nothing in this process rings for it: only the other process's notice can wake the stream.
                    #expect(try await eventually(30) { reader.mediaIDs(of: "media") == [post.description] })
                }
            } catch {
                await elsewhere.database.close()
                throw error
            }
            await elsewhere.database.close()
        }
    }
}

/// A post whose transaction commits after one with a larger id was already sent still reaches the stream.
@Suite struct LateEventWindowTests {
    static func event(_ id: Int64) -> LiveEvents.Event {
        LiveEvents.Event(id: id, kind: .media, mediaID: MediaID(id), object: nil, objectID: nil)
    }

    static func id(atSecond second: Int64, sequence: Int64 = 0) -> Int64 {
        IDGenerator.lowerBound(unixSeconds: 1_767_225_600 + second) + sequence
    }

    @Test func aLateCommitWithinTheWindowIsSentOnceAndOlderOnesAreNotReadAgain() {
        let start = Self.id(atSecond: 0)
        var window = LateEventWindow(start: start)
        #expect(window.floor == start, "a new stream reads from where it starts, never before")
        let early = Self.id(atSecond: 10)
        let later = Self.id(atSecond: 12)
        window.sent([Self.event(later)])
        #expect(window.cursor == later)
        // The next look reads from five seconds before the cursor: a post with a smaller id that committed since shows.
        #expect(window.floor < early && window.floor >= Self.id(atSecond: 7) - 1)
        let page = [Self.event(early), Self.event(later), Self.event(Self.id(atSecond: 13))]
        #expect(window.unsent(page).map(\.id) == [early, Self.id(atSecond: 13)])
        window.sent(window.unsent(page))
        #expect(window.unsent(page).isEmpty, "nothing is sent twice")
        // Much later, what is past the window is no longer read (nor remembered).
        window.sent([Self.event(Self.id(atSecond: 60))])
        #expect(window.floor > Self.id(atSecond: 13) && window.sentCount == 1)
    }
}
