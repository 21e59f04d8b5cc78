import DarkroomCore
import DarkroomPhotoKit
import Foundation
import HummingbirdTesting
import Synchronization
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// Moving an account between Darkroom servers: one server's data download imported into a fresh one gives the same
/// API answers for the person's media — filters, crops, descriptions, captions, dates, places, carousels, their own
/// comments, tags — but for ids and links.
@Suite struct AccountMoveTests {
    /// A media list as the API answers it, without what differs between servers by nature: ids, links, the user.
    static func comparable(_ value: Any) -> Any {
        if let object = value as? [String: Any] {
            var kept: [String: Any] = [:]
            for (key, inner) in object where !["id", "link", "url", "user", "from", "profile_picture"].contains(key) {
                kept[key] = comparable(inner)
            }
            return kept
        }
        if let list = value as? [Any] { return list.map(comparable) }
        return value
    }

    static func mediaList(_ world: TestWorld, token: String) async throws -> String {
        let answer = Mutex("")
        try await world.withApp { client in
            let body = try await client.get("/v1/users/self/media/recent?access_token=\(token)&count=20").body
            let data = (try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["data"] ?? []
            let normalized = try JSONSerialization.data(withJSONObject: comparable(data), options: [.sortedKeys, .prettyPrinted])
            answer.withLock { $0 = String(decoding: normalized, as: UTF8.self) }
        }
        return answer.withLock { $0 }
    }

    @Test(arguments: Engine.available)
    func anAccountMovesToAnotherServerWhole(_ engine: Engine) async throws {
        let first = try SyntheticPhoto.jpeg(width: 640, height: 480, variant: 5)
        let second = try SyntheticPhoto.jpeg(width: 480, height: 600, variant: 6)
        let archive = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-move-\(UUID().uuidString).zip").path
        defer { try? FileManager.default.removeItem(atPath: archive) }
        let before = try await TestWorld.with(engine) { old in
            let maya = try await old.user("maya")
            let token = try await old.token(for: maya, scopes: [.basic, .upload, .comments])
            try await old.withApp { client in
                let single = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    pairs: [
                        ("caption", "Tiles #lisbon"), ("filter", "Valencia"), ("crop", "square"), ("focal_point", "0.3,0.6"),
                        ("alt_text", "Blue tiles on a wall"), ("lat", "38.7223"), ("lng", "-9.1393"), ("location_name", "Lisbon"),
                    ],
                    files: [("photo", first)]
                )
                let id = try #require(single.media?.id)
                _ = try await client.post("/v1/media/\(id)/comments?access_token=\(token)", form: ["text": "More from that day #sun"])
                old.clock.advance(seconds: 3600)
                _ = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    pairs: [
                        ("caption", "Two of the harbour"), ("filter", "Inkwell"), ("filter", "Amaro"), ("crop", "original"), ("crop", "square"),
                        ("alt_text", "Boats"), ("alt_text", "Nets"),
                    ],
                    files: [("photo", first), ("photo", second)]
                )
            }
            _ = try await old.storage.writeDataArchive(of: maya.id, to: archive)
            return try await Self.mediaList(old, token: token)
        }
        let after = try await TestWorld.with(engine) { new in
            // The move happens later than the posts were made.
            new.clock.advance(seconds: 86_400)
            let maya = try await new.user("maya_elsewhere")
            let id = try await new.storage.archiveImports.start(
                for: maya.id,
                source: .instagram,
                paths: [archive],
                ownsFiles: false,
                visibility: .public
            )
            try await ArchiveImportTests.runJobs(new)
            let ended = try #require(try await new.storage.archiveImports.find(id))
            #expect(ended.state == .done && ended.source == .darkroom && ended.done == 2 && ended.failed == 0, "\(ended)")
            return try await Self.mediaList(new, token: try await new.token(for: maya))
        }
        #expect(before.contains("Blue tiles on a wall") && before.contains("Lisbon") && before.contains("More from that day #sun"))
        #expect(after == before)
    }
}
