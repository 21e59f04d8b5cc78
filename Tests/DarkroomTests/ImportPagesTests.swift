import DarkroomCore
import DarkroomPhotoKit
import Foundation
import HummingbirdTesting
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// The import page's forms, on both engines: an archive streamed in (and refused without its CSRF value, leaving
/// nothing on disk), and follows moved as Mastodon's CSV.
@Suite struct ImportPagesTests {
    private static func signedIn(_ client: any TestClientProtocol, _ world: TestWorld, as username: String) async throws -> (Browser, User) {
        let browser = Browser(client)
        try await browser.get("/accounts/signup")
        _ = try await browser.post("/accounts/signup", [("username", username), ("password", "password-of-\(username)")])
        return (browser, try #require(try await world.storage.users.find(username: username)))
    }

    @Test(arguments: Engine.available)
    func anArchiveIsStreamedInOnlyWithItsFormsCSRFValue(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let files = try ArchiveImportTests.archive(world, .json, parts: 2)
            let parts = try files.map { Array(try Data(contentsOf: URL(fileURLWithPath: $0))) }
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                let (browser, user) = try await Self.signedIn(client, world, as: "maya")
                #expect(try await browser.get("/accounts/import").body.contains("id=\"start-import\""))
                let forged = try await browser.postMultipart(
                    "/accounts/import",
                    [("csrf_token", "0000"), ("visibility", "public")],
                    files: parts.map { ("archive", $0) },
                    withCSRF: false
                )
                #expect(forged.status == 403)
                let folder = world.storage.archiveImports.folder
                #expect((try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty ?? true)
                let sent = try await browser.postMultipart("/accounts/import", [("visibility", "public")], files: parts.map { ("archive", $0) })
                #expect(sent.status == 303 && sent.location == "/accounts/import")
                let started = try #require(try await world.storage.archiveImports.list(of: user.id).first)
                #expect(started.ownsFiles && started.paths.count == 2 && started.paths.allSatisfy { $0.hasPrefix(folder) })
                #expect(try started.paths.map { Array(try Data(contentsOf: URL(fileURLWithPath: $0))) } == parts)
                let waiting = try await browser.get("/accounts/import")
                #expect(waiting.body.contains("http-equiv=\"refresh\"") && !waiting.body.contains("id=\"start-import\""))

                try await ArchiveImportTests.runJobs(world)
                let page = try await browser.get("/accounts/import")
                #expect(page.body.contains("Finished: 5 of 5 posts imported."))
                #expect(page.body.contains("id=\"undo-import\""))
                // The uploaded archive goes once its import has ended.
                #expect(started.paths.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
            }
        }
    }

    @Test(arguments: Engine.available)
    func followsMoveAsMastodonsCSV(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let bob = try await world.user("bob")
            let carol = try await world.user("carol", isPrivate: true)
            try await world.withApp { client in
                let (alice, aliceUser) = try await Self.signedIn(client, world, as: "alice")
                try await world.storage.relationships.follow(aliceUser.id, bob.id)
                let exported = try await alice.get("/accounts/export/follows.csv")
                #expect(exported.status == 200 && exported.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(exported.body == "Account address,Show boosts,Notify on new posts,Languages\nbob@darkroom.test,true,false,\n")

                let (dave, daveUser) = try await Self.signedIn(client, world, as: "dave")
                let csv = """
                    Account address,Show boosts,Notify on new posts,Languages
                    bob@darkroom.test,true,false,
                    @carol@darkroom.test,true,false,"en,fr"
                    zed@mastodon.social,true,false,
                    nobody@darkroom.test,true,false,
                    BOB@darkroom.test,true,false,

                    """
                try await dave.get("/accounts/import")
                let page = try await dave.postMultipart("/accounts/import/follows", [], files: [("follows", Array(csv.utf8))])
                #expect(page.status == 200)
                #expect(page.body.contains("Now following 1. Asked 1 private accounts"))
                #expect(page.body.contains("<li>zed@mastodon.social</li>") && page.body.contains("<li>nobody@darkroom.test</li>"))
                #expect(try await world.storage.relationships.relationship(of: daveUser.id, to: bob.id).outgoing == .follows)
                #expect(try await world.storage.relationships.relationship(of: daveUser.id, to: carol.id).outgoing == .requested)
                // A list without Mastodon's header (older exports) reads the same.
                #expect(try FollowsCSV.addresses(in: "bob@darkroom.test\ncarol@darkroom.test\n") == ["bob@darkroom.test", "carol@darkroom.test"])
            }
        }
    }

    @Test(arguments: Engine.available)
    func anAccountThatMovedSaysWhereAndTellsItsFollowers(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp { client in
                let (alice, aliceUser) = try await Self.signedIn(client, world, as: "alice")
                let (bob, bobUser) = try await Self.signedIn(client, world, as: "bob")
                try await world.storage.relationships.follow(bobUser.id, aliceUser.id)
                let token = try await world.token(for: bobUser)
                // Rendered once before: the kept header must not hide the move.
                try await bob.get("/alice/")
                try await alice.get("/accounts/export")
                #expect(try await alice.post("/accounts/moved", [("moved_to", "javascript:alert(1)")]).status == 400)
                let saved = try await alice.post("/accounts/moved", [("moved_to", "https://photos.example/alice")])
                #expect(saved.status == 303)
                let answer = try await client.get("/v1/users/\(aliceUser.id)?access_token=\(token)").body
                #expect(String(decoding: answer, as: UTF8.self).contains("\"moved_to\":\"https://photos.example/alice\""))
                let profile = try await bob.get("/alice/")
                #expect(profile.body.contains("id=\"moved-to\"") && profile.body.contains("href=\"https://photos.example/alice\""))
                #expect(try await bob.get("/accounts/activity").body.contains("moved to another server"))
                // Saying it again tells no one twice; clearing it takes the field away.
                _ = try await alice.post("/accounts/moved", [("moved_to", "https://photos.example/alice")])
                let told = try await world.storage.database.query("SELECT count(*) FROM activities WHERE kind = 'moved'").scalarInt()
                #expect(told == 1)
                _ = try await alice.post("/accounts/moved", [("moved_to", "")])
                let cleared = try await client.get("/v1/users/\(aliceUser.id)?access_token=\(token)").body
                #expect(!String(decoding: cleared, as: UTF8.self).contains("moved_to"))
            }
        }
    }
}
