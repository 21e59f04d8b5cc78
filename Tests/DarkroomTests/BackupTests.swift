import DarkroomAPI
import DarkroomCore
import DarkroomPhotoKit
import Foundation
import HummingbirdTesting
import Synchronization
import Testing

@testable import DarkroomStorage

/// `darkroom backup` and `darkroom restore`: a copy taken while the server runs brings back an instance that answers
/// as the original did, photos included; a damaged copy or an occupied target is refused.
@Suite struct BackupTests {
    /// Where a backup of `world` is restored to: a new data directory and, on PostgreSQL, a new database holding the
    /// same schema name (a dump names its schema); removed afterwards.
    private struct Target {
        let dataDirectory: String
        let databaseURL: String?
        let drop: @Sendable () async -> Void

        static func make(for world: TestWorld) async throws -> Target {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-restore-\(UUID().uuidString)").path
            guard let url = world.databaseURL else {
                return Target(dataDirectory: directory, databaseURL: nil) { try? FileManager.default.removeItem(atPath: directory) }
            }
            let base = ProcessInfo.processInfo.environment["DARKROOM_TEST_POSTGRES_URL"]!
            let name = "r_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let admin = try PostgresDatabase(url: base, maximumConnections: 1)
            try await admin.execute(SQL(stringLiteral: "CREATE DATABASE \(name)"))
            let database = String(base.split(separator: "?")[0].split(separator: "/").last!)
            let schema = String(url.split(separator: "search_path=").last!)
            let restored =
                base.replacingOccurrences(of: "/\(database)", with: "/\(name)") + (base.contains("?") ? "&" : "?") + "search_path=" + schema
            return Target(dataDirectory: directory, databaseURL: restored) {
                try? FileManager.default.removeItem(atPath: directory)
                _ = try? await admin.execute(SQL(stringLiteral: "DROP DATABASE \(name) WITH (FORCE)"))
                await admin.close()
            }
        }

        var backup: Backup { Backup(dataDirectory: dataDirectory, databaseURL: databaseURL, environment: .live()) }
    }

    private func temporaryFolder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-backup-\(UUID().uuidString)").path
    }

    /// Every answer the calls give, and the bytes of every photo they link to.
    private func answers(_ client: any TestClientProtocol, _ paths: [String]) async throws -> [String: [UInt8]] {
        var answers: [String: [UInt8]] = [:]
        for path in paths {
            let body = try await client.execute(uri: path, method: .get) { Array($0.body.readableBytesView) }
            answers[path] = body
            let text = String(decoding: body, as: UTF8.self)
            for link in text.components(separatedBy: "\"url\":\"http://darkroom.test").dropFirst() {
                let file = String(link.prefix { $0 != "\"" }).replacingOccurrences(of: "\\/", with: "/")
                answers[file] = try await client.execute(uri: file, method: .get) { response in
                    #expect(response.status == .ok, "\(file)")
                    return Array(response.body.readableBytesView)
                }
            }
        }
        return answers
    }

    @Test(arguments: Engine.available)
    func aRestoredInstanceAnswersEveryCallAsTheOriginalDid(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("cartier")
            let fan = try await world.user("fan")
            let hidden = try await world.user("hidden", isPrivate: true)
            try await world.storage.relationships.follow(fan.id, owner.id)
            let ownerToken = try await world.token(for: owner, scopes: [.basic, .upload, .comments])
            let fanToken = try await world.token(for: fan, scopes: [.basic, .likes, .comments])
            let hiddenToken = try await world.token(for: hidden, scopes: [.basic, .upload])
            let calls = Mutex<[String]>([])
            try await world.withApp { client in
                var ids: [String] = []
                for (index, token) in [ownerToken, ownerToken, hiddenToken].enumerated() {
                    let upload = try await client.upload(
                        "/v1/media/upload?access_token=\(token)",
                        fields: ["caption": "frame \(index) #decisive", "filter": "inkwell"],
                        files: [("photo", try SyntheticPhoto.jpeg(width: 500 + index * 10, height: 400))]
                    )
                    #expect(upload.status == 200)
                    ids.append(try #require(upload.media).id)
                }
                #expect(try await client.post("/v1/media/\(ids[0])/likes?access_token=\(fanToken)").status == 200)
                #expect(try await client.post("/v1/media/\(ids[0])/comments?access_token=\(fanToken)", form: ["text": "the moment"]).status == 200)
                calls.withLock {
                    $0 = [
                        "/v1/users/self?access_token=\(fanToken)", "/v1/users/self/feed?access_token=\(fanToken)",
                        "/v1/users/\(owner.id)/media/recent?access_token=\(fanToken)", "/v1/media/\(ids[0])?access_token=\(fanToken)",
                        "/v1/media/\(ids[0])/comments?access_token=\(fanToken)", "/v1/media/\(ids[0])/likes?access_token=\(fanToken)",
                        "/v1/users/self/media/liked?access_token=\(fanToken)", "/v1/tags/decisive/media/recent?access_token=\(fanToken)",
                        "/v1/users/\(owner.id)/followed-by?access_token=\(fanToken)", "/v1/users/self/media/recent?access_token=\(hiddenToken)",
                    ]
                }
            }
            let paths = calls.withLock { $0 }
            let answered = Mutex<[String: [UInt8]]>([:])
            try await world.withApp { client in
                let found = try await answers(client, paths)
                answered.withLock { $0 = found }
            }
            let before = answered.withLock { $0 }
            #expect(before.count > paths.count + 6, "the answers link to the photos")

            let folder = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let source = Backup(dataDirectory: world.dataDirectory, databaseURL: world.databaseURL, environment: world.storage.environment)
            let manifest = try await source.write(to: folder)
            // Each photo: three squares, its one full-shape size (it is under 640 pixels) in JPEG and WebP, its original.
            let perPhoto = 3 + 2 + 1
            #expect(manifest.files.count == 3 * perPhoto && manifest.missingKeys.isEmpty, "\(manifest.files.map(\.path))")
            #expect(manifest.files.filter { $0.path.hasPrefix("originals/") }.count == 3, "the three originals")
            let target = try await Target.make(for: world)
            do {
                _ = try await target.backup.restore(from: folder, force: false)
                let restored = try await Storage.open(
                    databaseURL: target.databaseURL,
                    dataDirectory: target.dataDirectory,
                    environment: world.storage.environment
                )
                try await TestWorld.withApp(on: restored) { client in
                    let found = try await answers(client, paths)
                    answered.withLock { $0 = found }
                }
                let after = answered.withLock { $0 }
                await restored.database.close()
                #expect(after.keys.sorted() == before.keys.sorted())
                for (path, body) in before { #expect(after[path] == body, "\(path)") }

                // A second restore onto it is refused, and allowed with force.
                await #expect(throws: BackupError.self) { try await target.backup.restore(from: folder, force: false) }
                _ = try await target.backup.restore(from: folder, force: true)
            } catch {
                await target.drop()
                throw error
            }
            await target.drop()
        }
    }

    @Test(arguments: Engine.available)
    func aBackupTakenUnderWritesIsConsistent(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("busy")
            let media = try await Array(0..<4).asyncMap { _ in try await world.post(by: owner) }
            let fans = try await Array(0..<12).asyncMap { try await world.user("fan\($0)") }
            let folder = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let source = Backup(dataDirectory: world.dataDirectory, databaseURL: world.databaseURL, environment: world.storage.environment)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, fan) in fans.enumerated() {
                    group.addTask {
                        for round in 0..<10 {
                            let target = media[(index + round) % media.count]
                            try await world.storage.likes.like(target, by: fan.id)
                            _ = try await world.storage.comments.create(on: target, by: fan.id, text: "round \(round)")
                            if round % 3 == 0 { try await world.storage.likes.unlike(target, by: fan.id) }
                        }
                    }
                }
                group.addTask { _ = try await source.write(to: folder) }
                try await group.waitForAll()
            }
            let target = try await Target.make(for: world)
            do {
                _ = try await target.backup.restore(from: folder, force: false)
                let restored = try await Storage.open(
                    databaseURL: target.databaseURL,
                    dataDirectory: target.dataDirectory,
                    environment: world.storage.environment
                )
                let wrong = try await restored.database.query(
                    """
                    SELECT count(*) FROM media m
                     WHERE like_count <> (SELECT count(*) FROM likes l WHERE l.media_id = m.id)
                        OR comment_count <> (SELECT count(*) FROM comments c WHERE c.media_id = m.id)
                    """
                ).scalarInt()
                let comments = try await restored.database.query("SELECT count(*) FROM comments").scalarInt() ?? -1
                await restored.database.close()
                #expect(wrong == 0)
                #expect((0...120).contains(comments))
            } catch {
                await target.drop()
                throw error
            }
            await target.drop()
        }
    }

    @Test func aDamagedOrUnfinishedBackupIsRefused() async throws {
        try await TestWorld.with(.sqlite) { world in
            let owner = try await world.user("careful")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            try await world.withApp { client in
                let upload = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    files: [("photo", try SyntheticPhoto.jpeg(width: 300, height: 300))]
                )
                #expect(upload.status == 200)
            }
            let folder = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let source = Backup(dataDirectory: world.dataDirectory, databaseURL: nil, environment: world.storage.environment)
            let manifest = try await source.write(to: folder)
            // Not into a folder that holds something.
            await #expect(throws: BackupError.self) { try await source.write(to: folder) }

            let target = try await Target.make(for: world)
            defer { Task { await target.drop() } }
            let photo = folder + "/" + manifest.files[0].path
            var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: photo)))
            bytes[bytes.count / 2] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: photo))
            await #expect(throws: BackupError.self) { try await target.backup.restore(from: folder, force: true) }
            #expect(!FileManager.default.fileExists(atPath: target.dataDirectory + "/darkroom.sqlite"), "nothing restored from a damaged backup")

            try FileManager.default.removeItem(atPath: folder + "/manifest.json")
            await #expect(throws: BackupError.self) { try await target.backup.restore(from: folder, force: true) }
        }
    }
}
