import DarkroomCore
import Logging
import Testing

@testable import DarkroomStorage

/// Posts by accounts with many followers reach their feeds through durable background jobs.
@Suite struct FanOutTests {
    /// Gives `star` this many followers at once (bare accounts with small ids: only their feeds are looked at).
    static func addFollowers(_ count: Int, to star: User, in world: TestWorld) async throws {
        try await world.storage.database.transaction { tx in
            for index in 1...count {
                try await tx.execute(
                    "INSERT INTO users (id, username, username_lc, created_at) VALUES (\(index), \("f\(index)"), \("f\(index)"), 0)"
                )
                try await tx.execute(
                    "INSERT INTO follows (follower_id, followee_id, id, created_at) VALUES (\(index), \(star.id), \(index), 0)"
                )
            }
            try await tx.execute("UPDATE users SET followed_by_count = \(count) WHERE id = \(star.id)")
        }
    }

    static func feedCount(_ media: MediaID, in world: TestWorld) async throws -> Int64 {
        try await world.storage.database.query("SELECT count(*) FROM feed_entries WHERE media_id = \(media)").scalarInt() ?? -1
    }

    @Test(arguments: Engine.available)
    func manyFollowersAreReachedInTheBackground(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let star = try await world.user("star")
            let followers = Int(HomeFeed.inlineFanOutLimit) + 2 * HomeFeed.fanOutBatch + 7
            try await Self.addFollowers(followers, to: star, in: world)
            let media = try await world.post(by: star)
            // The post returns with only the author's own feed filled, and a job queued.
            #expect(try await Self.feedCount(media, in: world) == 1)
            #expect(try await world.storage.jobs.pendingCount() == 1)
            let runner = JobWorker(storage: world.storage, logger: Logger(label: "test"))
            #expect(try await runner.drain() == 1)
            #expect(try await Self.feedCount(media, in: world) == Int64(followers + 1))
            #expect(try await world.storage.jobs.pendingCount() == 0)
        }
    }

    @Test(arguments: Engine.available)
    func aJobWhoseWorkerDiedIsResumedAfterItsLease(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let star = try await world.user("star")
            let followers = Int(HomeFeed.inlineFanOutLimit) + HomeFeed.fanOutBatch + 10
            try await Self.addFollowers(followers, to: star, in: world)
            let media = try await world.post(by: star)
            // A worker claims the job, does one batch, and dies.
            let job = try #require(try await world.storage.jobs.claim(kinds: JobRegistry.standard.kinds))
            try await world.storage.database.transaction { tx in
                let last = try await HomeFeed.fanOutBatch(media, author: star.id, after: 0, limit: HomeFeed.fanOutBatch, in: tx)
                let progressed = FanOutJob(media: media.rawValue, author: star.id.rawValue, cursor: try #require(last))
                try await JobContext(storage: world.storage, logger: Logger(label: "test"), claim: job, outcome: JobOutcomeBox()).save(
                    progressed,
                    in: tx
                )
            }
            let runner = JobWorker(storage: world.storage, logger: Logger(label: "test"))
            // While the lease holds, nobody else takes the job.
            #expect(try await runner.drain() == 0)
            world.clock.advance(seconds: JobQueue.leaseSeconds + 1)
            #expect(try await runner.drain() == 1)
            #expect(try await Self.feedCount(media, in: world) == Int64(followers + 1))
        }
    }

    @Test(arguments: Engine.available)
    func aFailedJobComesBackAfterItsBackoff(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let star = try await world.user("star")
            let payload = try JobPayload.encode(FanOutJob(media: 1, author: star.id.rawValue))
            try await world.storage.database.execute(
                "INSERT INTO jobs (id, kind, payload, run_at) VALUES (1, \(FanOutJob.kind), \(payload), 0)"
            )
            let failed = try #require(try await world.storage.jobs.claim(kinds: JobRegistry.standard.kinds))
            try await world.storage.jobs.retry(failed, error: "receiver down")
            let runner = JobWorker(storage: world.storage, logger: Logger(label: "test"))
            #expect(try await runner.drain() == 0)
            #expect(try await world.storage.jobs.pendingCount() == 1)
            world.clock.advance(seconds: 3)
            #expect(try await runner.drain() == 1)
            #expect(try await world.storage.jobs.pendingCount() == 0)
        }
    }

    @Test(arguments: Engine.available)
    func aJobThatCannotBeReadIsSetAsideAndKept(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.storage.database.execute("INSERT INTO jobs (id, kind, payload, run_at) VALUES (2, \(FanOutJob.kind), 'x y z', 0)")
            try await world.storage.database.execute("INSERT INTO jobs (id, kind, payload, run_at) VALUES (3, 'unknown', '{}', 0)")
            let runner = JobWorker(storage: world.storage, logger: Logger(label: "test"))
            // A kind this process does not know is left for one that does (a newer server of the fleet), not claimed.
            #expect(try await runner.drain() == 1)
            #expect(try await world.storage.jobs.pendingCount() == 1)
            // Never claimed again, never lost: an operator sees the one set aside, with why, and the unknown one waiting.
            world.clock.advance(seconds: 86_400)
            #expect(try await runner.drain() == 0)
            let failed = try await world.storage.jobs.list(setAside: true)
            #expect(failed.map(\.id) == [2])
            #expect(failed.map(\.payload) == ["x y z"])
            #expect(failed[0].lastError?.contains("cannot read a job of kind fan-out") == true)
            #expect(try await world.storage.jobs.list(setAside: false).map(\.kind) == ["unknown"])
            // A process whose type for that kind cannot read the payload sets it aside too.
            var registry = JobRegistry.standard
            registry.register(UnknownKindStandIn.self) { _, _ in }
            #expect(try await JobWorker(storage: world.storage, registry: registry, logger: Logger(label: "test")).drain() == 1)
            #expect(try await world.storage.jobs.list(setAside: true).map(\.id) == [2, 3])
        }
    }

    @Test(arguments: Engine.available)
    func pendingJobsOfTheOldTextFormatAreRewrittenAndRun(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let star = try await world.user("star")
            try await Self.addFollowers(3, to: star, in: world)
            let media = try await world.post(by: star)
            try await world.storage.database.execute("DELETE FROM feed_entries WHERE media_id = \(media) AND user_id <> \(star.id)")
            try await world.storage.database.execute(
                "INSERT INTO jobs (id, kind, payload, run_at) VALUES (9, 'fan-out', \("\(media) \(star.id) 0"), 0)"
            )
            for statement in Migrations.typedJobs.engineSpecific[world.storage.database.engine] ?? [] {
                try await world.storage.database.execute(SQL(stringLiteral: statement))
            }
            let payload = try await world.storage.database.query("SELECT payload FROM jobs WHERE id = 9").decodeFirst { try $0.string() }
            #expect(payload == "{\"author\":\(star.id),\"cursor\":0,\"media\":\(media)}")
            #expect(try await JobWorker(storage: world.storage, logger: Logger(label: "test")).drain() == 1)
            #expect(try await Self.feedCount(media, in: world) == 4)
        }
    }

    @Test(arguments: Engine.available)
    func theMostFollowedAccountsAreMergedAtReadTime(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let viewer = try await world.user("viewer")
            let star = try await world.user("star")
            let friend = try await world.user("friend")
            try await world.storage.relationships.follow(viewer.id, star.id)
            try await world.storage.relationships.follow(viewer.id, friend.id)
            let before = try await world.post(by: star)  // fanned out while the star was small
            try await world.storage.database.execute(
                "UPDATE users SET followed_by_count = \(HomeFeed.readTimeMergeThreshold + 1) WHERE id = \(star.id)"
            )
            let merged = try await world.post(by: star)
            let fromFriend = try await world.post(by: friend)
            // Nothing was fanned out for the star's new post and no job was queued...
            #expect(try await Self.feedCount(merged, in: world) == 1)
            #expect(try await world.storage.jobs.pendingCount() == 0)
            // ...yet the follower's feed has it, in order, with no duplicate of the older post.
            let feed = try await HomeFeedTests.walk(world.storage.feed, viewer: viewer.id, pageSize: 2)
            #expect(feed == [fromFriend, merged, before])
            try await world.storage.relationships.unfollow(viewer.id, star.id)
            #expect(try await HomeFeedTests.walk(world.storage.feed, viewer: viewer.id, pageSize: 2) == [fromFriend])
        }
    }
}

/// A type for the kind "unknown" that needs a field its payload lacks.
private struct UnknownKindStandIn: BackgroundJob {
    static let kind = "unknown"
    var required: Int
}
