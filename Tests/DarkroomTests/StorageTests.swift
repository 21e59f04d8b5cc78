import DarkroomCore
import DarkroomSeed
import Testing

@testable import DarkroomStorage

@Suite struct StorageTests {
    @Test(arguments: Engine.available)
    func migrationsAreIdempotentAndRefuseANewerSchema(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let migrator = Migrator(database: world.storage.database)
            #expect(try await migrator.currentVersion() == Migrator.latestVersion)
            #expect(try await migrator.migrate(nowSeconds: 0).isEmpty)
            try await world.storage.database.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)")
            await #expect(throws: DatabaseError.self) { try await migrator.migrate(nowSeconds: 0) }
        }
    }

    @Test(arguments: Engine.available)
    func manyConcurrentReadsAndWritesAllSucceed(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let kevin = try await world.user("kevin")
            let media = try await world.post(by: kevin)
            let fans = try await Array(0..<16).asyncMap { try await world.user("fan\($0)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        if index % 10 == 0 {
                            try await world.storage.likes.like(media, by: fans[index / 10 % fans.count].id)
                        } else if index % 2 == 0 {
                            #expect(try await world.storage.users.find(kevin.id) != nil)
                        } else {
                            #expect(try await world.storage.media.find(media, viewer: kevin.id) != nil)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await world.storage.media.find(media, viewer: nil)?.likeCount == 16)
        }
    }

    @Test(arguments: Engine.available)
    func usernamesAreUniqueWithoutRegardToCase(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.user("Kevin")
            await #expect(throws: DomainError.taken(field: "username", value: "kevin")) { try await world.user("kevin") }
            #expect(try await world.storage.users.find(username: "KEVIN")?.username == "Kevin")
        }
    }

    @Test(arguments: Engine.available)
    func countsFollowTheirRowsExactly(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let kevin = try await world.user("kevin")
            let mike = try await world.user("mikeyk")
            let relationships = world.storage.relationships
            try await relationships.follow(mike.id, kevin.id)
            try await relationships.follow(mike.id, kevin.id)
            let media = try await world.post(by: kevin, caption: "#snow")
            try await world.storage.likes.like(media, by: mike.id)
            try await world.storage.likes.like(media, by: mike.id)
            _ = try await world.storage.comments.create(on: media, by: mike.id, text: "Nice")
            let kevinNow = try #require(try await world.storage.users.find(kevin.id))
            #expect(kevinNow.counts == UserCounts(media: 1, follows: 0, followedBy: 1))
            #expect(try await world.storage.users.find(mike.id)?.counts.follows == 1)
            let loaded = try #require(try await world.storage.media.find(media, viewer: mike.id))
            #expect(loaded.likeCount == 1 && loaded.commentCount == 1 && loaded.viewerHasLiked == true)
            #expect(loaded.tags == ["snow"])
            try await relationships.unfollow(mike.id, kevin.id)
            try await relationships.unfollow(mike.id, kevin.id)
            #expect(try await world.storage.users.find(kevin.id)?.counts.followedBy == 0)
        }
    }

    @Test(arguments: Engine.available)
    func seedIsDeterministicAndItsCountsAreExact(engine: Engine) async throws {
        let summaries = try await [1, 2].asyncMap { _ in
            try await TestWorld.with(engine) { world in
                let summary = try await SeedGenerator(storage: world.storage, plan: SeedPlan(users: 300, media: 1500, seed: 7), progress: nil).run()
                let database = world.storage.database
                let mismatches = try await database.query(
                    """
                    SELECT count(*) FROM users u WHERE
                        u.followed_by_count <> (SELECT count(*) FROM follows f WHERE f.followee_id = u.id)
                     OR u.follows_count <> (SELECT count(*) FROM follows f WHERE f.follower_id = u.id)
                     OR u.media_count <> (SELECT count(*) FROM media m WHERE m.user_id = u.id)
                    """
                )
                #expect(try mismatches.scalarInt() == 0)
                let mediaMismatches = try await database.query(
                    """
                    SELECT count(*) FROM media m WHERE
                        m.like_count <> (SELECT count(*) FROM likes l WHERE l.media_id = m.id)
                     OR m.comment_count <> (SELECT count(*) FROM comments c WHERE c.media_id = m.id)
                    """
                )
                #expect(try mediaMismatches.scalarInt() == 0)
                let tagMismatches = try await database.query(
                    """
                    SELECT count(*) FROM tags g WHERE
                        g.media_count <> (SELECT count(*) FROM media_tags t WHERE t.tag_name = g.name)
                     OR g.public_media_count <> (SELECT count(*) FROM media_tags t JOIN media m ON m.id = t.media_id JOIN users u ON u.id = m.user_id
                                                  WHERE t.tag_name = g.name AND u.is_private = 0)
                    """
                )
                #expect(try tagMismatches.scalarInt() == 0)
                let usernames = try await database.query("SELECT username FROM users ORDER BY username LIMIT 5").decode { try $0.string() }
                return "\(summary.sorted { $0.key < $1.key }) \(usernames)"
            }
        }
        #expect(summaries[0] == summaries[1])
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
