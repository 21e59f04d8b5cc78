import DarkroomAPI
import DarkroomCore
import Foundation
import HummingbirdTesting
import Logging
import Testing
import ZIPFoundation

@testable import DarkroomStorage

/// People's own data: the archive they download once, and deleting an account so that nothing of it remains and
/// every count it touched is right again.
@Suite struct PersonalDataTests {
    /// A media with real files under a real key, as an upload leaves it.
    private static func photo(_ world: TestWorld, by owner: User, caption: String?, usersInPhoto: [UserID] = []) async throws -> (MediaID, String) {
        world.clock.advance(seconds: 60)
        let key = try world.storage.files.store(
            [("standard.jpg", Array("standard of \(owner.username)".utf8)), ("low.jpg", Array("low".utf8)), ("thumbnail.jpg", Array("thumb".utf8))],
            kind: .media
        )
        let id = try await world.storage.mediaWriter.create(
            NewMedia(
                owner: owner.id,
                filter: "Valencia",
                caption: caption,
                latitude: 51.5,
                longitude: -0.12,
                renditions: Renditions(key: key, standard: 640, low: 320, thumbnail: 150),
                usersInPhoto: usersInPhoto.map { ($0, 0.5, 0.5) }
            )
        )
        return (id, key)
    }

    /// Every integer column of every table, as (table, column): where an id of the deleted account could hide.
    private static func idColumns(_ world: TestWorld) async throws -> [(String, String)] {
        switch world.storage.database.engine {
        case .sqlite:
            return try await world.storage.database.query(
                """
                SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '%_rtree%'
                   AND (upper(p.type) LIKE '%INT%')
                """
            ).decode { (try $0.string(), try $0.string()) }
        case .postgres:
            return try await world.storage.database.query(
                """
                SELECT table_name::text, column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND data_type = 'bigint'
                """
            ).decode { (try $0.string(), try $0.string()) }
        }
    }

    @Test(arguments: Engine.available)
    func deletingAnAccountLeavesNothingOfItAndCorrectsEveryCount(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let alice = try await world.user("alice")
            let bob = try await world.user("bob")
            let carol = try await world.user("carol")
            let dave = try await world.user("dave", isPrivate: true)
            let (aliceFirst, aliceKey) = try await Self.photo(world, by: alice, caption: "sun #sun #sea", usersInPhoto: [bob.id])
            let (aliceSecond, aliceSecondKey) = try await Self.photo(world, by: alice, caption: nil)
            let (bobMedia, bobKey) = try await Self.photo(world, by: bob, caption: "#sun at noon", usersInPhoto: [alice.id])
            let picture = try storage.files.store([("profile.jpg", Array("alice".utf8))], kind: .profilePicture)
            _ = try await storage.users.setProfilePicture(picture, of: alice.id)

            // What Alice did around others, and what others did on hers.
            try await storage.likes.like(bobMedia, by: alice.id)
            try await storage.likes.like(bobMedia, by: carol.id)
            _ = try await storage.comments.create(on: bobMedia, by: alice.id, text: "lovely")
            _ = try await storage.comments.create(on: bobMedia, by: alice.id, text: "really")
            let carolsComment = try await storage.comments.create(on: bobMedia, by: carol.id, text: "agreed")
            try await storage.likes.like(aliceFirst, by: bob.id)
            _ = try await storage.comments.create(on: aliceFirst, by: carol.id, text: "nice")
            try await storage.relationships.follow(alice.id, bob.id)
            try await storage.relationships.follow(carol.id, alice.id)
            try await storage.relationships.follow(bob.id, alice.id)
            try await storage.database.execute(
                """
                INSERT INTO follow_requests (requester_id, target_id, id, created_at) VALUES (\(alice.id), \(dave.id),
                    \(storage.environment.ids.next()), 1)
                """
            )
            try await storage.relationships.block(alice.id, carol.id == alice.id ? bob.id : dave.id)
            let client = try await storage.clients.create(name: "alice's app", redirectURIs: ["http://localhost/cb"], ownerID: alice.id)
            let bobsTokenForAlicesApp = try await storage.tokens.create(userID: bob.id, client: client, scopes: [.basic])
            let aliceToken = try await world.token(for: alice, scopes: [.basic, .likes])
            _ = try await storage.sessions.start(for: alice.id)
            try await storage.reports.file(.init(target: .comment, id: carolsComment.id.rawValue, reason: .spam, details: ""), by: alice.id)
            try await storage.reports.file(.init(target: .media, id: aliceFirst.rawValue, reason: .nudity, details: "no"), by: bob.id)
            _ = try await storage.dataExports.request(for: alice.id)
            try await JobWorker(storage: storage, logger: Logger(label: "test")).drain()
            #expect(try await storage.dataExports.latest(of: alice.id)?.state == .ready)
            let aliceComments = try await storage.database.query("SELECT id FROM comments WHERE user_id = \(alice.id)").decode { try $0.int() }

            let summary = try #require(try await storage.deleteAccount(alice.id, actor: "the account's owner"))
            #expect(summary.media == 2 && summary.likes == 1 && summary.comments == 1 && summary.follows == 3 && summary.clients == 1)
            #expect(try await storage.deleteAccount(alice.id, actor: "again") == nil)

            // No row anywhere names her, her photos, comments or client — but the moderation log's record of the deletion.
            let hers = [alice.id.rawValue, aliceFirst.rawValue, aliceSecond.rawValue, client.ref.rawValue] + aliceComments
            for (table, column) in try await Self.idColumns(world) {
                let found =
                    try await storage.database.query(
                        "SELECT count(*) FROM \(raw: table) WHERE \(raw: column) IN (\(list: hers))"
                    ).scalarInt() ?? 0
                if table == "moderation_log" && column == "target_user" {
                    #expect(found == 1, "the log keeps the deletion itself")
                } else {
                    #expect(found == 0, "\(table).\(column) still names something of hers")
                }
            }
            let names = try await storage.database.query("SELECT count(*) FROM users WHERE username_lc = 'alice'").scalarInt()
            #expect(names == 0)
            // Her files are gone, others' stay.
            for key in [aliceKey, aliceSecondKey, picture] {
                #expect(!FileManager.default.fileExists(atPath: storage.files.root + "/" + key), "\(key)")
            }
            #expect(FileManager.default.fileExists(atPath: storage.files.root + "/" + bobKey + "/standard.jpg"))
            #expect((try? FileManager.default.contentsOfDirectory(atPath: world.dataDirectory + "/exports")) ?? [] == [])

            // Every count she touched is back in step with its rows.
            let bobs = try #require(try await storage.media.find(bobMedia, viewer: bob.id))
            #expect(bobs.likeCount == 1 && bobs.commentCount == 1 && bobs.usersInPhoto.isEmpty)
            let counts = try #require(try await storage.users.find(bob.id)).counts
            #expect(counts.follows == 0 && counts.followedBy == 0)
            #expect(try #require(try await storage.users.find(carol.id)).counts.follows == 0)
            let sun = try await storage.tags.find("sun", viewer: bob.id)
            #expect(sun.mediaCount == 1)
            #expect(try await storage.database.query("SELECT media_count FROM tags WHERE name = 'sea'").scalarInt() == 0)

            // Her token and the tokens her app held stop at once; the API knows no such user.
            try await world.withApp { client in
                #expect(try await client.get("/v1/users/self?access_token=\(aliceToken)").status == 400)
                #expect(try await client.get("/v1/users/self?access_token=\(bobsTokenForAlicesApp)").status == 400)
                let bobToken = try await world.token(for: bob)
                #expect(try await client.get("/v1/users/\(alice.id)?access_token=\(bobToken)").status == 400)
                let media = try await client.get("/v1/media/\(bobMedia)?access_token=\(bobToken)").media
                #expect(media?.likes.count == 1 && media?.comments.count == 1)
            }
        }
    }

    @Test(arguments: Engine.available)
    func aPersonDownloadsTheirDataOnceAndThenDeletesTheirAccount(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let bob = try await world.user("bob")
            let (bobMedia, _) = try await Self.photo(world, by: bob, caption: "bob's")
            try await world.withApp { client in
                let browser = Browser(client)
                try await browser.get("/accounts/signup")
                let signedUp = try await browser.post(
                    "/accounts/signup",
                    [("username", "alice"), ("password", "a-long-password"), ("email", "alice@example.com")]
                )
                #expect(signedUp.status == 303)
                let alice = try #require(try await world.storage.users.find(username: "alice"))
                let (media, _) = try await Self.photo(world, by: alice, caption: "my <b>first</b> #photo")
                try await world.storage.likes.like(bobMedia, by: alice.id)
                _ = try await world.storage.comments.create(on: bobMedia, by: alice.id, text: "hello bob")
                try await world.storage.relationships.follow(alice.id, bob.id)
                try await world.storage.federation.addAlias("https://mastodon.example/users/alice", of: alice.id)

                let empty = try await browser.get("/accounts/export")
                #expect(empty.status == 200 && empty.body.contains("id=\"request-export\""))
                #expect(try await browser.post("/accounts/export", []).location == "/accounts/export")
                let waiting = try await browser.get("/accounts/export")
                #expect(waiting.body.contains("id=\"export-progress\"") && waiting.body.contains("http-equiv=\"refresh\""))
                #expect(try await browser.post("/accounts/export", []).status == 303, "asking twice makes no second archive")
                // The server's own worker runs it as soon as it is enqueued (its doorbell), on its own task.
                #expect(try await eventually(20) { try await world.storage.dataExports.latest(of: alice.id)?.state == .ready })
                let ready = try await browser.get("/accounts/export")
                let link = try #require(
                    ready.body.range(of: "/accounts/export/download?id=").map { ready.body[$0.lowerBound...].prefix { $0 != "\"" } }
                )

                // Another person cannot take it.
                let stranger = Browser(client)
                try await stranger.get("/accounts/signup")
                _ = try await stranger.post("/accounts/signup", [("username", "mallory"), ("password", "another-password")])
                #expect(try await stranger.get(String(link)).status == 404)

                let zip = try await client.execute(
                    uri: String(link),
                    method: .get,
                    headers: [.cookie: browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
                ) { $0 }
                #expect(zip.status == .ok && zip.headers[.contentType] == "application/zip")
                #expect(zip.headers[.contentDisposition]?.contains("attachment") == true)
                let archive = try Archive(data: Data(buffer: zip.body), accessMode: .read)
                func entry(_ name: String) throws -> Data {
                    var data = Data()
                    _ = try archive.extract(try #require(archive[name], "\(name)")) { data.append($0) }
                    return data
                }
                #expect(String(decoding: try entry("README.md"), as: UTF8.self).contains("media.json"))
                let profile = try JSONSerialization.jsonObject(with: try entry("profile.json")) as? [String: Any]
                #expect(profile?["username"] as? String == "alice")
                #expect(profile?["also_known_as"] as? [String] == ["https://mastodon.example/users/alice"])
                let items = try JSONSerialization.jsonObject(with: try entry("media.json")) as? [[String: Any]]
                #expect(items?.count == 1 && items?.first?["caption"] as? String == "my <b>first</b> #photo")
                #expect(items?.first?["tags"] as? [String] == ["photo"])
                #expect(items?.first?["original"] is NSNull, "posted without an original: the archive says so")
                #expect(String(decoding: try entry("media/\(media.rawValue)/standard.jpg"), as: UTF8.self) == "standard of alice")
                let comments = try JSONSerialization.jsonObject(with: try entry("comments.json")) as? [[String: Any]]
                #expect(comments?.first?["text"] as? String == "hello bob")
                let likes = try JSONSerialization.jsonObject(with: try entry("likes.json")) as? [[String: Any]]
                #expect(likes?.first?["shortcode"] as? String == Shortcode.encode(bobMedia))
                let relationships = try JSONSerialization.jsonObject(with: try entry("relationships.json")) as? [String: Any]
                #expect((relationships?["following"] as? [[String: Any]])?.first?["username"] as? String == "bob")
                let security = try JSONSerialization.jsonObject(with: try entry("security.json")) as? [String: Any]
                #expect(security?["email"] as? String == "alice@example.com" && security?["email_verified"] as? Bool == false)
                #expect(security?["two_factor"] as? Bool == false && (security?["sessions"] as? [Any])?.count == 1)
                let events = (security?["log"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
                #expect(events == ["signed-in", "email-added"])
                // Once only: the file is gone from the data directory as the download starts.
                #expect(try await browser.get(String(link)).status == 404)
                #expect((try? FileManager.default.contentsOfDirectory(atPath: world.dataDirectory + "/exports")) ?? [] == [])
                #expect(try await browser.get("/accounts/export").body.contains("id=\"export-downloaded\""))

                // Deleting: the password, then everything is gone and the session with it.
                let confirm = try await browser.get("/accounts/delete")
                #expect(confirm.status == 200 && confirm.body.contains("id=\"delete-account\""))
                #expect(try await browser.post("/accounts/delete", [("password", "wrong-password")]).status == 400)
                #expect(try await world.storage.users.find(alice.id) != nil)
                let forged = try await browser.post("/accounts/delete", [("password", "a-long-password")], withCSRF: false)
                #expect(forged.status == 403)
                let gone = try await browser.post("/accounts/delete", [("password", "a-long-password")])
                #expect(gone.status == 200 && gone.body.contains("Your account is deleted"))
                #expect(browser.cookies["darkroom_session"] == nil)
                #expect(try await world.storage.users.find(alice.id) == nil)
                #expect(try await browser.get("/accounts/settings").location?.hasPrefix("/accounts/login") == true)
                let bobNow = try #require(try await world.storage.media.find(bobMedia, viewer: bob.id))
                #expect(bobNow.likeCount == 0 && bobNow.commentCount == 0)
            }
        }
    }
}
