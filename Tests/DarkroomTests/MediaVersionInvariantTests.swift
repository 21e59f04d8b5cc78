import DarkroomCore
import Foundation
import NIOCore
import Synchronization
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// A media's rendering is cached per `media.version` (`MediaFragmentCache`, `MediaPageCache`), so every write that
/// changes what a media shows must move its version in the same transaction. This holds that rule two ways: every
/// statement in the storage that writes a table a rendering reads is known here, and a grid of every operation that
/// runs them checks, on both engines, that a rendering that changed came with a new version.
@Suite struct MediaVersionInvariantTests {
    /// The storage's statements that write `media`, `likes`, `comments`, `users` or `media_tags`, by file, counted. A new
    /// one fails `everyStatementThatWritesWhatAMediaShowsIsKnown`: add the operation that runs it to the grid below, then
    /// its count here.
    static let knownStatements: [String: Int] = [
        "DeleteAccount.swift DELETE FROM users": 1,
        "DeleteAccount.swift UPDATE media": 3,
        "DeleteAccount.swift UPDATE users": 2,
        "ActivityStore.swift UPDATE users": 1,
        "CommentStore.swift DELETE FROM comments": 1,
        "CommentStore.swift INSERT INTO comments": 1,
        "CommentStore.swift UPDATE media": 3,
        "HomeFeed.swift UPDATE users": 1,
        "LikeStore.swift DELETE FROM likes": 2,
        "LikeStore.swift INSERT INTO likes": 2,
        "LikeStore.swift UPDATE media": 4,
        "MediaWriter.swift DELETE FROM media": 1,
        "MediaWriter.swift INSERT INTO media": 1,
        "Hashtags.swift INSERT INTO media_tags": 1,
        "Hashtags.swift DELETE FROM media_tags": 1,
        "Hashtags.swift UPDATE media": 2,
        "MediaWriter.swift UPDATE media": 4,
        "PhotoToRerender.swift UPDATE media": 2,
        "MediaWriter.swift UPDATE users": 2,
        "OperatorStore.swift UPDATE users": 2,
        "RelationshipStore.swift UPDATE users": 4,
        "UserStore.swift INSERT INTO users": 1,
        // A remote account seen for the first time has no media; a rename of one moves the versions of all it shows.
        "FederationStore.swift INSERT INTO users": 1,
        "FederationStore.swift UPDATE users": 2,
        "MediaVersion.swift UPDATE media": 1,
        // The fifth sets `moved_to`, which no media object shows.
        "UserStore.swift UPDATE users": 5,
        "UserStore+Email.swift UPDATE users": 1,
        "ChangePassword.swift UPDATE users": 2,
        "SignUp.swift UPDATE users": 2,
        // An imported post's own comments, in the transaction that makes the post (no copy of it can exist yet).
        "ImportedPosts.swift INSERT INTO comments": 1,
        "ImportedPosts.swift UPDATE media": 1,
    ]

    static func sourceStatements() throws -> [String: Int] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("Sources/DarkroomStorage")
        let pattern = try NSRegularExpression(pattern: #"(INSERT INTO|UPDATE|DELETE FROM) (media|likes|comments|users|media_tags)\b(?!_)"#)
        var found: [String: Int] = [:]
        for case let file as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!
        where file.pathExtension == "swift" && !file.path.contains("/Schema/") {
            let text = try String(contentsOf: file, encoding: .utf8)
            let range = NSRange(text.startIndex..., in: text)
            for match in pattern.matches(in: text, range: range) {
                found["\(file.lastPathComponent) \(String(text[Range(match.range, in: text)!]))", default: 0] += 1
            }
            // Child rows deleted through a list of table names.
            if text.contains("DELETE FROM \\(raw: table)") { found["\(file.lastPathComponent) DELETE FROM (listed tables)", default: 0] += 1 }
        }
        return found
    }

    @Test func everyStatementThatWritesWhatAMediaShowsIsKnown() throws {
        let found = try Self.sourceStatements()
        for (statement, count) in found.sorted(by: { $0.key < $1.key }) where Self.knownStatements[statement] != count {
            Issue.record("\(statement): \(count) in the source, \(Self.knownStatements[statement] ?? 0) known: add its operation to the grid")
        }
        for statement in Set(Self.knownStatements.keys).subtracting(found.keys).sorted() { Issue.record("\(statement) is gone: drop it") }
    }

    /// Every media's rendering (as the caches keep it, without a viewer) and version.
    static func renderings(_ world: TestWorld) async throws -> [MediaID: (version: Int64, body: String)] {
        let serializer = MediaSerializer(links: Links(publicURL: "http://darkroom.test", signing: URLSigning(key: "test", now: { 0 })))
        let ids = try await world.storage.database.query("SELECT id FROM media").decode { try $0.id(MediaID.self) }
        var renderings: [MediaID: (Int64, String)] = [:]
        for media in try await world.storage.media.hydrate(ids, viewer: nil) {
            var writer = JSONWriter(capacity: 1024)
            serializer.media(media, into: &writer)
            let version = try await world.storage.database.query("SELECT version FROM media WHERE id = \(media.id)").scalarInt() ?? -1
            renderings[media.id] = (version, String(buffer: writer.buffer))
        }
        return renderings
    }

    @Test(arguments: Engine.available)
    func everyWriteThatChangesWhatAMediaShowsMovesItsVersion(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let alice = try await world.user("alice")
            let bob = try await world.user("bob")
            let carol = try await world.user("carol")
            let dave = try await world.user("dave")
            let photo = try await world.post(by: alice, caption: "first #light")
            let other = try await world.post(by: bob, caption: "second")
            let profile: @Sendable (String) -> UserStore.Profile = { name in UserStore.Profile(fullName: name, bio: "", website: "", isPrivate: false)
            }
            try await storage.database.execute("UPDATE media SET camera = '{\"model\":\"X100V\"}' WHERE id = \(photo)")
            // The account changes mail their links; the grid keeps the last one to use it.
            let origin = SecurityLog.Origin(address: "127.0.0.1", device: "Safari on iPhone")
            let mailed = Mutex("")
            let blank = MailMessage(to: "bob@example.com", subject: "", text: "", html: "")
            let mail: ChangeEmail.Compose = { _, token in
                mailed.withLock { $0 = token }
                return blank
            }
            let grid: [(String, @Sendable () async throws -> Void)] = [
                ("like", { try await storage.likes.like(photo, by: bob.id) }),
                ("like again", { try await storage.likes.like(photo, by: carol.id) }),
                ("unlike", { try await storage.likes.unlike(photo, by: carol.id) }),
                ("comment", { _ = try await storage.comments.create(on: photo, by: carol.id, text: "lovely") }),
                ("another comment", { _ = try await storage.comments.create(on: other, by: dave.id, text: "nice") }),
                ("a liker renames", { try await storage.users.update(bob.id, profile: profile("Robert")) }),
                ("a commenter renames", { try await storage.users.update(carol.id, profile: profile("Caroline")) }),
                ("the owner renames", { try await storage.users.update(alice.id, profile: profile("Alice A.")) }),
                ("a commenter's picture", { _ = try await storage.users.setProfilePicture("p/carol", of: carol.id) }),
                (
                    "the owner goes private",
                    {
                        try await storage.users.update(
                            alice.id,
                            profile: UserStore.Profile(fullName: "Alice A.", bio: "", website: "", isPrivate: true)
                        )
                    }
                ),
                ("a follow", { try await storage.relationships.follow(carol.id, alice.id) }),
                ("an unfollow", { try await storage.relationships.unfollow(carol.id, alice.id) }),
                ("a block", { try await storage.relationships.block(alice.id, dave.id) }),
                ("a commenter is suspended", { _ = try await storage.suspendAccount.suspend(carol.id, reason: "test", actor: "test") }),
                ("and reinstated", { _ = try await storage.suspendAccount.reinstate(carol.id, reason: "test", actor: "test") }),
                ("an operator", { try await storage.operators.setOperator(bob.id, true) }),
                ("activity read", { try await storage.activity.markRead(alice.id, upTo: Int64.max) }),
                ("a password", { try await storage.operators.setPassword(of: bob.id, hash: "x") }),
                (
                    "an email address given",
                    { try await storage.changeEmail.request("bob@example.com", for: bob.id, from: origin, verification: mail) }
                ),
                ("and verified", { _ = try await storage.changeEmail.confirm(mailed.withLock { $0 }, from: origin) { _, _, _ in blank } }),
                (
                    "a sign-up held for approval, then approved",
                    {
                        let request = SignUp.Request(account: NewUser(username: "erin"), email: "erin@example.com", awaitingApproval: "hello")
                        let erin = try await storage.signUp(request, from: origin, verification: mail)
                        _ = try await storage.decideSignup.approve(erin, actor: "test") { _, _, _ in blank }
                    }
                ),
                (
                    "a password changed",
                    {
                        try await storage.changePassword.change(bob.id, toHash: "y", keeping: nil, signOutApps: true, from: origin) { _ in blank }
                    }
                ),
                (
                    "a password reset",
                    {
                        let account = EmailedAccount(id: bob.id, username: "bob", email: "bob@example.com")
                        try await storage.changePassword.requestReset(for: [account], from: origin) { _, _, token in
                            mailed.withLock { $0 = token }
                            return blank
                        }
                        _ = try await storage.changePassword.reset(byToken: mailed.withLock { $0 }, toHash: "z", from: origin) { _ in blank }
                    }
                ),
                ("a post", { _ = try await world.post(by: carol, caption: "third #light") }),
                (
                    "a post tagging dave",
                    {
                        _ = try await storage.mediaWriter.create(
                            NewMedia(
                                owner: bob.id,
                                renditions: Renditions(key: "test/tag", standard: 612, low: 306, thumbnail: 150),
                                usersInPhoto: [(dave.id, 0.5, 0.5)]
                            )
                        )
                    }
                ),
                (
                    "dave untags himself",
                    {
                        let tagged = try await storage.database.query("SELECT media_id FROM media_users_in_photo WHERE user_id = \(dave.id)")
                            .decode { try $0.id(MediaID.self) }
                        for media in tagged { _ = try await storage.mediaWriter.untag(dave.id, from: media) }
                    }
                ),
                (
                    "a comment deleted",
                    {
                        let listed = try await storage.comments.list(on: photo, viewer: nil)
                        _ = try await storage.comments.delete(try #require(listed.last).id, on: photo)
                    }
                ),
                (
                    "a comment removed by a moderator",
                    {
                        let listed = try await storage.comments.list(on: other, viewer: nil)
                        _ = try await storage.removeComment(try #require(listed.last).id, on: other, reason: "spam", actor: "test")
                    }
                ),
                ("a caption edited", { try await storage.mediaWriter.edit(photo, by: alice.id, caption: .some("edited #dark"), altTexts: [:]) }),
                ("alt text", { try await storage.mediaWriter.edit(other, by: bob.id, caption: nil, altTexts: [0: "a gull on a post"]) }),
                (
                    "camera details shown",
                    {
                        try await storage.users.update(
                            alice.id,
                            profile: UserStore.Profile(fullName: "Alice A.", bio: "", website: "", isPrivate: true, showsCamera: true)
                        )
                    }
                ),
                (
                    "renditions made again",
                    {
                        let made = try #require(try await storage.media.photosToRerender(after: 0, limit: 10).first { $0.media == photo })
                        let renditions = Renditions(
                            key: "test/again",
                            standard: 612,
                            low: 306,
                            thumbnail: 150,
                            full: [PixelSize(width: 640, height: 480)]
                        )
                        #expect(try await storage.mediaWriter.replaceRenditions(of: made, with: renditions, camera: nil))
                    }
                ),
                (
                    "a caption deleted",
                    {
                        let caption = try #require(try await storage.media.hydrate([photo], viewer: nil).first?.caption)
                        _ = try await storage.comments.delete(caption.id, on: photo)
                    }
                ),
                ("a liker's account deleted", { _ = try await storage.deleteAccount(bob.id, actor: "test") }),
                ("a media deleted", { try await storage.deleteMedia.byOwner(photo, actor: alice.id) }),
            ]
            for (name, operation) in grid {
                let before = try await Self.renderings(world)
                world.clock.advance(seconds: 1)
                try await operation()
                let after = try await Self.renderings(world)
                for (media, now) in after {
                    guard let then = before[media] else { continue }
                    if now.body != then.body {
                        #expect(now.version != then.version, "\(name): media \(media) shows something new under the same version")
                    }
                }
            }
        }
    }
}
