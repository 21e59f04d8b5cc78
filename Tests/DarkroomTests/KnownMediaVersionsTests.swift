import DarkroomCore
import Foundation
import Testing

@testable import DarkroomStorage

/// On PostgreSQL the home feed takes media versions from memory while the database's change notices are current
/// (`KnownMediaVersions`, `ChangeWatch`): it must never show what another process has changed for longer than the
/// notices' bound, nor what this process has changed at all.
@Suite struct KnownMediaVersionsTests {
    static let postgres = Engine.available.contains(.postgres) ? [Engine.postgres] : []

    /// A notice that arrives while a version is being read from the database wins: the read's value is not kept.
    @Test func aVersionReadBeforeANoticeIsNotKept() {
        let known = KnownMediaVersions(watching: nil)
        let (five, six) = (MediaID(5), MediaID(6))
        let reading = KnownMediaVersions.Reading(epoch: 0, notice: 0)
        known.changed("media 5")
        known.learn([(five, 3), (six, 1)], during: reading)
        #expect(known.versions(of: [five, six]) == [nil, 1], "media 5 moved after the read began")
        known.learn([(five, 4)], during: KnownMediaVersions.Reading(epoch: 0, notice: 1))
        #expect(known.versions(of: [five]) == [4], "read after its notice")
        known.changed("media 6")
        known.changed("not a notice about media")
        #expect(known.versions(of: [five, six]) == [4, nil])
        known.lostTrack()
        #expect(known.versions(of: [five]) == [nil], "notices missed: everything is forgotten")
        known.learn([(five, 4)], during: KnownMediaVersions.Reading(epoch: 0, notice: 9))
        #expect(known.versions(of: [five]) == [nil], "a read begun before notices were missed is not kept")
    }

    @Test(arguments: postgres)
    func changesThroughAnotherServerReachTheFeedWithinTheBoundAndOwnChangesAtOnce(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let (ann, bob) = (try await world.user("ann"), try await world.user("bob"))
            try await world.storage.relationships.follow(ann.id, bob.id)
            let photo = try await world.post(by: bob)
            let known = try #require(world.storage.feed.knownVersions)
            let other = try await Storage.open(
                databaseURL: world.databaseURL,
                dataDirectory: world.dataDirectory,
                environment: world.storage.environment,
                migrate: false
            )
            let feed = { @Sendable in try await world.storage.feed.page(of: ann.id, MediaPageRequest(count: 5)).items }

            let first = try #require(try await Self.untilKnown(photo, known, feed))
            #expect(first.id == photo)

            try await other.likes.like(photo, by: bob.id)
            let started = ContinuousClock.now
            // At least one read after the like, however late a loaded machine wakes this task.
            var seen = first
            repeat {
                try await Task.sleep(for: .milliseconds(10))
                seen = try #require(try await feed().first)
            } while seen.version == first.version && ContinuousClock.now - started < .seconds(5)
            #expect(seen.version > first.version, "another server's like shows within the notices' bound")

            try await Self.untilCurrent(known)
            try await world.storage.likes.like(photo, by: ann.id)
            let afterOwnLike = try #require(try await feed().first)
            #expect(afterOwnLike.version > seen.version && afterOwnLike.viewerHasLiked == true, "this server's own change, at once")

            // A media deleted behind the feed's back (its feed entry left for a background job): the page skips it.
            try await Self.untilCurrent(known)
            try await other.database.execute("DELETE FROM likes WHERE media_id = \(photo)")
            try await other.database.execute("DELETE FROM media WHERE id = \(photo)")
            #expect(try await world.storage.database.query("SELECT 1 FROM feed_entries WHERE media_id = \(photo)").count > 0)
            for _ in 0..<250 where known.versions(of: [photo]) != [nil] { try await Task.sleep(for: .milliseconds(20)) }
            #expect(try await feed().isEmpty)
            await other.database.close()
        }
    }

    /// The listening connection dies: nothing is answered from memory until a new one listens, and what changed in
    /// between is read afresh.
    @Test(arguments: postgres)
    func losingTheListeningConnectionForgetsEverything(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let (ann, bob) = (try await world.user("ann"), try await world.user("bob"))
            try await world.storage.relationships.follow(ann.id, bob.id)
            let photo = try await world.post(by: bob)
            let known = try #require(world.storage.feed.knownVersions)
            let before = try #require(
                try await Self.untilKnown(photo, known) {
                    try await world.storage.feed.page(of: ann.id, MediaPageRequest(count: 5)).items
                }
            )

            let listener = try #require(known.listeningSession)
            try await world.storage.database.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(listener)")
            for _ in 0..<250 where known.versions(of: [photo]) != [nil] { try await Task.sleep(for: .milliseconds(20)) }
            #expect(known.versions(of: [photo]) == [nil])
            try await Self.untilCurrent(known)
            let after = try #require(try await world.storage.feed.page(of: ann.id, MediaPageRequest(count: 5)).items.first)
            #expect(after == before)
        }
    }

    /// Reads the feed until a read has taken `media`'s version from the notices' current memory (on a loaded machine
    /// a marker can be late, and the feed then reads versions with the page); answers that page's stamp of it.
    static func untilKnown(
        _ media: MediaID,
        _ known: KnownMediaVersions,
        _ feed: @Sendable () async throws -> [MediaStamp]
    ) async throws -> MediaStamp? {
        for _ in 0..<100 {
            try await untilCurrent(known)
            let stamp = try await feed().first { $0.id == media }
            if let stamp, known.versions(of: [media]) == [stamp.version] { return stamp }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no feed read took its versions from memory")
        return nil
    }

    /// Waits until the feed may take versions from memory (the first marker back, or the next after a write).
    static func untilCurrent(_ known: KnownMediaVersions) async throws {
        let started = ContinuousClock.now
        while known.begin() == nil {
            #expect(ContinuousClock.now - started < .seconds(10), "the change notices never became current")
            if ContinuousClock.now - started > .seconds(10) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
