import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
import ZIPFoundation

@testable import DarkroomAPI
@testable import DarkroomStorage

/// Photos as made, through the HTTP API on both engines: the shape kept, sizes for every screen, the original kept
/// for its owner alone, carousels, alt text and captions edited, camera details on request, photos from before.
@Suite(.offCooperativePool) struct PhotoPostingTests {
    static let portrait = try! SamplePhotos.encoded(width: 900, height: 1600, as: .heic)

    static func served(_ client: any TestClientProtocol, _ url: String) async throws -> (type: String?, bytes: [UInt8], status: HTTPResponse.Status) {
        let path = String(url.dropFirst("http://darkroom.test".count))
        return try await client.execute(uri: path, method: .get) { ($0.headers[.contentType], Array($0.body.readableBytesView), $0.status) }
    }

    @Test(arguments: Engine.available)
    func aPortraitHEICKeepsItsShapeSizesAndOriginal(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let other = try await world.user("other")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            let otherToken = try await world.token(for: other, scopes: [.basic, .upload])
            try await world.withApp { client in
                let posted = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    fields: ["alt_text": "Half Dome, lit from the west", "filter": "Valencia"],
                    files: [("photo", Self.portrait)]
                )
                let media = try #require(posted.media, "\(String(decoding: posted.body, as: UTF8.self))")
                // 9:16 is taller than 4:5: cut to 4:5 around the centre; the v1 squares are as they always were.
                #expect(media.type == "image" && media.aspectRatio == 0.8 && media.altText == "Half Dome, lit from the west")
                #expect(media.images["standard_resolution"]?.width == 612 && media.images["standard_resolution"]?.height == 612)
                let renditions = try #require(media.renditions)
                #expect(
                    renditions.map { "\($0.width)x\($0.height).\($0.format)" } == [
                        "512x640.jpeg", "512x640.webp", "864x1080.jpeg", "864x1080.webp", "900x1125.jpeg", "900x1125.webp",
                    ]
                )
                for rendition in renditions {
                    let file = try await Self.served(client, rendition.url)
                    #expect(file.status == .ok && file.type == (rendition.format == "webp" ? "image/webp" : "image/jpeg"))
                    let decoded = try DecodedPhoto(file.bytes)
                    #expect(decoded.width == rendition.width && decoded.height == rendition.height)
                }
                // The original, byte for byte, to its owner alone; not under the served media folder at all.
                let original = try await client.execute(uri: "/v1/media/\(media.id)/original?access_token=\(token)", method: .get) { $0 }
                #expect(original.status == .ok && original.headers[.contentType] == "image/heic")
                #expect(Array(original.body.readableBytesView) == Self.portrait)
                #expect(original.headers[.cacheControl] == "private, no-store")
                let refused = try await client.get("/v1/media/\(media.id)/original?access_token=\(otherToken)")
                #expect(refused.code == 400 && refused.errorType == "APINotAllowedError")
                let anonymous = try await client.get("/v1/media/\(media.id)/original")
                #expect(anonymous.code == 400 && anonymous.errorType == "OAuthParameterException", "\(anonymous.meta)")
                let stored = try FileManager.default.subpathsOfDirectory(atPath: world.dataDirectory + "/originals").filter { $0.hasSuffix(".heic") }
                #expect(stored.count == 1)
                for path in ["/media/../originals/\(stored[0])", "/originals/\(stored[0])", "/media/%2e%2e/originals/\(stored[0])"] {
                    let status = try await client.execute(uri: path, method: .get) { $0.status }
                    #expect(status == .notFound || status == .badRequest, "\(path): \(status)")
                }
            }
        }
    }

    @Test(arguments: Engine.available)
    func aCarouselIsOnePostOfSeveralPhotos(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let follower = try await world.user("follower")
            try await world.storage.relationships.follow(follower.id, owner.id)
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            let followerToken = try await world.token(for: follower)
            let photos = try (0..<3).map { try SyntheticPhoto.jpeg(width: 800 + 100 * $0, height: 600, variant: $0) }
            try await world.withApp { client in
                let posted = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    pairs: [
                        ("caption", "three #views"), ("filter", "Valencia"), ("filter", "Inkwell"), ("alt_text", "first"), ("alt_text", "second"),
                        ("alt_text", "third"), ("crop", "square"), ("crop", "original"), ("crop", "original"),
                        ("users_in_photo", ""), ("users_in_photo", "[{\"user_id\": \"\(follower.id)\", \"x\": 0.5, \"y\": 0.5}]"),
                    ],
                    files: photos.map { ("photo", $0) }
                )
                let media = try #require(posted.media, "\(String(decoding: posted.body, as: UTF8.self))")
                #expect(media.type == "image", "2013 clients read it as a photo")
                let items = try #require(media.carouselMedia)
                #expect(items.map(\.altText) == ["first", "second", "third"])
                #expect(items.map(\.filter) == ["Valencia", "Inkwell", "Normal"])
                #expect(items.map(\.aspectRatio) == [1, 1.5, 1.6667])
                #expect(items[1].usersInPhoto.map(\.user.username) == ["follower"] && items[0].usersInPhoto.isEmpty)
                // A 2013 client sees the first photo in `images`, as before.
                #expect(media.images["standard_resolution"]?.url == items[0].images["standard_resolution"]?.url)
                #expect(media.filter == "Valencia" && media.altText == "first")
                let urls = Set(items.compactMap { $0.images["standard_resolution"]?.url })
                #expect(urls.count == 3)
                for url in urls { #expect(try await Self.served(client, url).status == .ok) }
                // One post everywhere: the follower's feed, the tag, the owner's count.
                #expect(try await client.get("/v1/users/self/feed?access_token=\(followerToken)").ids == [media.id])
                #expect(try await client.get("/v1/tags/views/media/recent?access_token=\(followerToken)").ids == [media.id])
                #expect(try await client.get("/v1/users/self?access_token=\(token)").user?.counts?.media == 1)
                let second = try await client.execute(uri: "/v1/media/\(media.id)/original?photo=2&access_token=\(token)", method: .get) { $0 }
                #expect(Array(second.body.readableBytesView) == photos[1])

                // The owner's data download holds every photo as it was sent.
                let archivePath = world.dataDirectory + "/archive.zip"
                _ = try await world.storage.writeDataArchive(of: owner.id, to: archivePath)
                let archive = try Archive(url: URL(fileURLWithPath: archivePath), accessMode: .read)
                func entry(_ name: String) throws -> [UInt8] {
                    var data = Data()
                    _ = try archive.extract(try #require(archive[name], "\(name)")) { data.append($0) }
                    return Array(data)
                }
                let listed = try #require(try JSONSerialization.jsonObject(with: Data(try entry("media.json"))) as? [[String: Any]])
                let entries = try #require(listed.first?["photos"] as? [[String: Any]])
                #expect(entries.map { $0["alt_text"] as? String } == ["first", "second", "third"])
                for (index, item) in entries.enumerated() {
                    #expect(try entry(try #require(item["original"] as? String)) == photos[index])
                }

                // Deleting it removes every photo's files.
                #expect(try await client.delete("/v1/media/\(media.id)?access_token=\(token)").code == 200)
                for url in urls { #expect(try await Self.served(client, url).status == .notFound) }
            }
        }
    }

    @Test(arguments: Engine.available)
    func carouselsRefuseWhatTheyCannotHold(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            let small = try SyntheticPhoto.jpeg(width: 64, height: 64)
            try await world.withApp { client in
                let tooMany = try await client.upload("/v1/media/upload?access_token=\(token)", files: Array(repeating: ("photo", small), count: 21))
                #expect(tooMany.code == 400 && tooMany.errorMessage.contains("at most 20"))
                let badSecond = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    files: [("photo", small), ("photo", Array("not a photo".utf8))]
                )
                #expect(badSecond.code == 400 && badSecond.errorMessage.contains("photo"))
                for (field, value) in [("crop", "circle"), ("focal_point", "2,0"), ("alt_text", String(repeating: "a", count: 1001))] {
                    let body = try await client.upload("/v1/media/upload?access_token=\(token)", fields: [field: value], files: [("photo", small)])
                    #expect(body.code == 400 && body.errorMessage.contains(field), "\(field): \(body.meta)")
                }
                #expect(try await world.storage.database.query("SELECT count(*) FROM media").scalarInt() == 0)
            }
            let stored = (try? FileManager.default.subpathsOfDirectory(atPath: world.dataDirectory + "/media/m")) ?? []
            #expect(stored.filter { $0.hasSuffix(".jpg") }.isEmpty, "nothing stored: \(stored)")
        }
    }

    @Test(arguments: Engine.available)
    func ownersEditCaptionsAndAltText(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let other = try await world.user("other")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            let otherToken = try await world.token(for: other, scopes: [.basic, .upload])
            try await world.withApp { client in
                let posted = try #require(
                    try await client.upload(
                        "/v1/media/upload?access_token=\(token)",
                        fields: ["caption": "dusk #yosemite"],
                        files: [("photo", try SyntheticPhoto.jpeg(width: 300, height: 200))]
                    ).media
                )
                let edited = try await client.post(
                    "/v1/media/\(posted.id)/edit?access_token=\(token)",
                    form: ["caption": "dawn #sierra", "alt_text": "Granite at first light"]
                )
                let media = try #require(edited.media, "\(edited.meta)")
                #expect(media.caption?.text == "dawn #sierra" && media.tags == ["sierra"] && media.altText == "Granite at first light")
                #expect(try await client.get("/v1/tags/yosemite/media/recent?access_token=\(token)").ids.isEmpty)
                #expect(try await client.get("/v1/tags/sierra/media/recent?access_token=\(token)").ids == [posted.id])
                #expect(try await client.get("/v1/tags/yosemite?access_token=\(token)").tag?.mediaCount ?? 0 == 0)
                let refused = try await client.post("/v1/media/\(posted.id)/edit?access_token=\(otherToken)", form: ["caption": "mine now"])
                #expect(refused.code == 400 && refused.errorType == "APINotAllowedError")
                let nothing = try await client.post("/v1/media/\(posted.id)/edit?access_token=\(token)", form: [:])
                #expect(nothing.code == 400)
                let removed = try await client.post("/v1/media/\(posted.id)/edit?access_token=\(token)", form: ["caption": ""])
                #expect(removed.media?.caption == nil && removed.media?.tags == [])
            }
        }
    }

    /// A private account's full sizes and carousel photos are linked only through signed URLs, like its squares.
    @Test(arguments: Engine.available)
    func aPrivateAccountsSizesAreSigned(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("vivian", isPrivate: true)
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            try await world.withApp { client in
                let photos = try (0..<2).map { try SyntheticPhoto.jpeg(width: 700, height: 500, variant: $0) }
                let media = try #require(
                    try await client.upload("/v1/media/upload?access_token=\(token)", files: photos.map { ("photo", $0) }).media
                )
                let urls = (media.renditions ?? []).map(\.url) + (media.carouselMedia ?? []).flatMap { $0.renditions.map(\.url) }
                #expect(urls.count == 12, "two sizes in two formats, for the post and for each of its two photos")
                for url in urls {
                    #expect(url.contains("?e=") && url.contains("&s="), "\(url)")
                    #expect(try await Self.served(client, url).status == .ok)
                    let unsigned = String(url.prefix { $0 != "?" })
                    #expect(try await Self.served(client, unsigned).status == .notFound, "\(unsigned)")
                }
            }
        }
    }

    /// Alt text is the photo's `alt` wherever it shows: its page, its owner's grid, its embed, and oEmbed's answer.
    @Test(arguments: Engine.available)
    func altTextIsThePhotosAltEverywhere(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            try await world.withApp { client in
                let alt = "Snow on \"granite\" & pines"
                let media = try #require(
                    try await client.upload(
                        "/v1/media/upload?access_token=\(token)",
                        fields: ["alt_text": alt, "caption": "winter"],
                        files: [("photo", try SyntheticPhoto.jpeg(width: 700, height: 500))]
                    ).media
                )
                let escaped = "alt=\"Snow on &quot;granite&quot; &amp; pines\""
                let code = String(media.link.split(separator: "/").last!)
                for path in ["/p/\(code)/", "/ansel/", "/p/\(code)/embed/"] {
                    let page = try await client.execute(uri: path, method: .get) { String(buffer: $0.body) }
                    #expect(page.contains(escaped), "\(path)")
                }
                let photoPage = try await client.execute(uri: "/p/\(code)/", method: .get) { String(buffer: $0.body) }
                #expect(photoPage.contains("<picture><source type=\"image/webp\"") && photoPage.contains("640w"))
                let oembed = try await client.execute(uri: "/oembed?url=" + Parameters.encode(media.link), method: .get) { $0.body }
                let answer = try JSONSerialization.jsonObject(with: Data(buffer: oembed)) as? [String: Any]
                #expect(answer?["alt_text"] as? String == alt)
            }
        }
    }

    /// Photos posted before originals were kept still show, as squares, and say they have no original.
    @Test(arguments: Engine.available)
    func photosFromBeforeKeepWorking(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            let old = try await world.post(by: owner, caption: "2013")
            try await world.withApp { client in
                let media = try #require(try await client.get("/v1/media/\(old)?access_token=\(token)").media)
                #expect(media.aspectRatio == 1 && media.altText == nil && media.carouselMedia == nil)
                #expect(media.renditions?.map(\.width) == [150, 306, 612])
                let original = try await client.get("/v1/media/\(old)/original?access_token=\(token)")
                #expect(original.errorType == "APINotFoundError" && original.errorMessage.contains("before Darkroom kept them"), "\(original.meta)")
            }
        }
    }

    /// The camera's details show only once their photographer chooses to show them.
    @Test(arguments: Engine.available)
    func cameraDetailsAreOptIn(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            let photo = try SamplePhotos.fromCamera(
                width: 400,
                height: 300,
                fields: ["exif-ifd0-Make": "Fujifilm", "exif-ifd0-Model": "X100V", "exif-ifd2-ISOSpeedRatings": "200"]
            )
            try await world.withApp { client in
                let media = try #require(try await client.upload("/v1/media/upload?access_token=\(token)", files: [("photo", photo)]).media)
                #expect(media.camera == nil)
                try await world.storage.users.update(
                    owner.id,
                    profile: UserStore.Profile(fullName: "", bio: "", website: "", isPrivate: false, showsCamera: true)
                )
                let shown = try #require(try await client.get("/v1/media/\(media.id)?access_token=\(token)").media)
                #expect(shown.camera == ["make": "Fujifilm", "model": "X100V", "iso": "200"])
            }
        }
    }

    /// `darkroom media rerender`'s job makes every photo again from its original, with today's sizes.
    @Test(arguments: Engine.available)
    func aRerenderMakesPhotosAgainFromTheirOriginals(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            let legacy = try await world.post(by: owner, caption: "no original")
            let posted = Mutex<WireMedia?>(nil)
            try await world.withApp { client in
                let media = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    fields: ["filter": "Inkwell"],
                    files: [("photo", try SyntheticPhoto.jpeg(width: 1400, height: 1000))]
                ).media
                posted.withLock { $0 = media }
            }
            let media = try #require(posted.withLock { $0 })
            let before = try #require(try await world.storage.media.find(MediaID(decimal: media.id)!, viewer: nil)?.renditions)
            var settings = ImageSettings()
            settings.fullSizes = [500, 900]
            let rerender = try RerenderMedia(storage: world.storage, images: settings)
            var registry = JobRegistry()
            rerender.register(in: &registry)
            try await rerender.start()
            try await JobWorker(storage: world.storage, registry: registry, logger: Logger(label: "test")).drain()
            let after = try #require(try await world.storage.media.find(MediaID(decimal: media.id)!, viewer: nil)?.renditions)
            #expect(after.full == [PixelSize(width: 500, height: 357), PixelSize(width: 900, height: 643)])
            #expect(after.key != before.key && world.storage.files.path(before.key, "standard.jpg") == nil, "the old files are gone")
            #expect(
                try PhotoStatistics(of: Array(try Data(contentsOf: URL(fileURLWithPath: world.storage.files.path(after.key, "standard.jpg")!))))
                    .saturation < 1
            )
            #expect(try await world.storage.media.find(legacy, viewer: nil)?.renditions.key == "test/ansel", "no original: left as it was")
            #expect(try await world.storage.jobs.list(setAside: false, limit: 100).filter { $0.kind == RerenderMediaJob.kind }.isEmpty)
        }
    }
}
