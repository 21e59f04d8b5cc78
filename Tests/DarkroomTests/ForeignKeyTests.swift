import DarkroomCore
import Synchronization
import Testing

@testable import DarkroomStorage

/// Rows go with what they belong to (migration 24), on both engines: the migration first removes rows that name
/// something gone, corrects the counts they were part of and says so; afterwards no such row can be written.
@Suite struct ForeignKeyTests {
    @Test(arguments: Engine.available)
    func theMigrationReportsAndRemovesOrphansThenEveryReferenceHolds(engine: Engine) async throws {
        try await TestWorld.with(engine, schemaVersion: 23) { world in
            let database = world.storage.database
            // Written as rows of schema 23: today's stores write columns later migrations added.
            let (ann, bob, photo) = (UserID(101), UserID(102), MediaID(201))
            try await database.execute(
                "INSERT INTO users (id, username, username_lc, created_at) VALUES (101, 'ann', 'ann', 0), (102, 'bob', 'bob', 0)"
            )
            try await database.execute(
                """
                INSERT INTO media (id, user_id, caption, created_at, image_key, standard_size, low_size, thumbnail_size, like_count)
                VALUES (201, 101, 'kept', 0, 'test/ann', 612, 306, 150, 1)
                """
            )
            try await database.execute("INSERT INTO likes (id, media_id, user_id, created_at) VALUES (10, 201, 102, 0)")
            try await database.execute("INSERT INTO follows (follower_id, followee_id, id, created_at) VALUES (102, 101, 11, 0)")
            try await database.execute("UPDATE users SET media_count = 1, followed_by_count = 1 WHERE id = 101")
            try await database.execute("UPDATE users SET follows_count = 1 WHERE id = 102")
            // What a crash or a hand-made change could have left: rows naming an account and a media that are gone.
            let ghost: Int64 = 424_242
            try await database.execute("INSERT INTO likes (id, media_id, user_id, created_at) VALUES (1, \(photo), \(ghost), 0)")
            try await database.execute("UPDATE media SET like_count = like_count + 1 WHERE id = \(photo)")
            try await database.execute("INSERT INTO comments (id, media_id, user_id, text, created_at) VALUES (2, 999, \(ann), 'x', 0)")
            try await database.execute("INSERT INTO follows (follower_id, followee_id, id, created_at) VALUES (\(ghost), \(ann), 3, 0)")
            try await database.execute("UPDATE users SET followed_by_count = followed_by_count + 1 WHERE id = \(ann)")
            try await database.execute(
                "INSERT INTO locations (id, name, latitude, longitude, created_at, created_by) VALUES (4, 'pier', 1, 2, 0, \(ghost))"
            )
            #expect(try await database.query("SELECT like_count FROM media WHERE id = 201").scalarInt() == 2)

            let reports = Mutex<[String]>([])
            try await Migrator(database: database) { message in reports.withLock { $0.append(message) } }
                .migrate(nowSeconds: world.clock.now / 1000)

            let said = reports.withLock { $0 }
            #expect(said.count == 4)
            #expect(said.contains { $0.contains("1 row(s) of likes") && $0.contains("(user_id)") && $0.hasSuffix("removed") })
            #expect(said.contains { $0.contains("1 row(s) of comments") && $0.contains("(media_id)") })
            #expect(said.contains { $0.contains("1 row(s) of follows") })
            #expect(said.contains { $0.contains("1 row(s) of locations") && $0.hasSuffix("cleared") })
            #expect(try await world.storage.media.find(photo, viewer: nil)?.likeCount == 1, "the count follows its rows")
            #expect(try await world.storage.users.find(ann)?.counts.followedBy == 1)
            #expect(try await database.query("SELECT created_by FROM locations WHERE id = 4").decodeFirst { try $0.optionalInt() } == .some(nil))

            // Kept rows are all still there, and a row naming nothing is refused.
            #expect(try await database.query("SELECT count(*) FROM likes").scalarInt() == 1)
            await #expect(throws: (any Error).self) {
                try await database.execute("INSERT INTO likes (id, media_id, user_id, created_at) VALUES (5, 999, \(bob), 0)")
            }
            await #expect(throws: (any Error).self) {
                try await database.execute("INSERT INTO web_sessions (id_hash, user_id, created_at, expires_at) VALUES ('h', \(ghost), 0, 1)")
            }

            // A media's rows go with it, and an account's with the account, with no list of tables to keep.
            _ = try await world.storage.comments.create(on: photo, by: bob, text: "nice")
            try await world.storage.deleteMedia.byOwner(photo, actor: ann)
            for table in ["likes", "comments", "media_tags"] {
                #expect(try await database.query(SQL(stringLiteral: "SELECT count(*) FROM \(table)")).scalarInt() == 0, "\(table)")
            }
            _ = try await world.storage.tokens.create(userID: bob, client: try await world.client(), scopes: [.basic])
            #expect(try await world.storage.deleteAccount(bob, actor: "test") != nil)
            for table in ["follows", "access_tokens"] {
                #expect(try await database.query(SQL(stringLiteral: "SELECT count(*) FROM \(table)")).scalarInt() == 0, "\(table)")
            }
            #expect(try await world.storage.users.find(ann)?.counts.followedBy == 0)
        }
    }

    /// The seed's bulk inserts: likes commit in larger batches than their media, and each commit of theirs commits the
    /// media first (`darkroom seed` of 200,000 photos failed on its keys before).
    @Test(arguments: Engine.available)
    func bulkInsertsCommitWhatTheirRowsNameFirst(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ann")
            let database = world.storage.database
            var media = BulkInserter(
                database: database,
                table: "media",
                columns: ["id", "user_id", "created_at", "image_key", "standard_size", "low_size", "thumbnail_size"],
                rowsPerStatement: 1000
            )
            var likes = BulkInserter(database: database, table: "likes", columns: ["id", "media_id", "user_id", "created_at"], rowsPerStatement: 1)
            for index in 0..<60 {
                let id = Int64(1000 + index)
                try await media.add([.int(id), .int(owner.id.rawValue), .int(0), .text("k"), .int(612), .int(306), .int(150)])
                try await likes.add([.int(id), .int(id), .int(owner.id.rawValue), .int(0)]) { try await media.finish() }
            }
            try await media.finish()
            try await likes.finish()
            #expect(try await database.query("SELECT count(*) FROM likes").scalarInt() == 60)
        }
    }
}
