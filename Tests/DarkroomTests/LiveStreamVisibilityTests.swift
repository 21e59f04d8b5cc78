import DarkroomCore
@testable import DarkroomStorage
import Foundation
import Testing

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
                .init(object: .geography, objectID: nil, callbackURL: "http://example.com/cb", verifyToken: nil,
                      center: GeoPoint(latitude: 51.5, longitude: -0.12), radius: 1000),
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
            try await storage.notifications.expandEvents()
            let objects = Set(try await storage.notifications.recent(for: app.ref, limit: 10).filter { $0.mediaID == media }.map(\.object))
            #expect(objects == ["user", "tag", "location", "geography"], "every kind of subscription was notified")

            // The suspended-owner column: an approved follower, until the account is suspended.
            let suspendedOwnerIsSeen = try await storage.liveEvents.after(0, user: viewers[.ownerSuspended]!, client: app.ref).contains { $0.mediaID == media }
            #expect(suspendedOwnerIsSeen, "an approved follower hears of the post while the account stands")

            for state in State.allCases {
                if state == .ownerSuspended { #expect(try await storage.moderation.suspend(owner.id, reason: "spam", actor: "test")) }
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
                if state == .ownerSuspended { #expect(try await storage.moderation.unsuspend(owner.id, reason: "appeal", actor: "test")) }
            }
        }
    }
}
