import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import DarkroomStorage

/// `POST /v1/media/upload`, the stored renditions, `DELETE /v1/media/{id}` and profile pictures, through the HTTP API,
/// on both engines.
@Suite struct IngestTests {
    static let photo = try! SyntheticPhoto.jpeg(width: 900, height: 700)

    @Test(arguments: Engine.available)
    func uploadMakesAMediaWithThreeServedRenditionsAndItsFilter(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel", fullName: "Ansel Adams")
            let follower = try await world.user("follower")
            try await world.storage.relationships.follow(follower.id, owner.id)
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            let followerToken = try await world.token(for: follower)
            try await world.withApp { client in
                let body = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    fields: ["caption": "Half Dome at dusk #yosemite #BlackAndWhite with @follower", "filter": "inkwell"],
                    files: [("photo", Self.photo)]
                )
                #expect(body.status == 200, "\(String(decoding: body.body, as: UTF8.self))")
                let media = try #require(body.media)
                let id = media.id
                #expect(media.filter == "Inkwell")
                #expect(media.tags == ["yosemite", "blackandwhite"])
                #expect(media.caption?.text == "Half Dome at dusk #yosemite #BlackAndWhite with @follower")
                #expect(media.link == "http://darkroom.test/p/\(Shortcode.encode(MediaID(Int64(id)!)))/")
                for (name, size) in [("standard_resolution", 612), ("low_resolution", 306), ("thumbnail", 150)] {
                    let image = try #require(media.images[name])
                    #expect(image.width == size && image.height == size)
                    let url = image.url
                    #expect(url.hasPrefix("http://darkroom.test/media/m/"))
                    let path = String(url.dropFirst("http://darkroom.test".count))
                    let served = try await client.execute(uri: path, method: .get) { $0 }
                    #expect(served.status == .ok)
                    #expect(served.headers[.contentType] == "image/jpeg")
                    #expect(served.headers[.cacheControl]?.contains("max-age=31536000") == true)
                    #expect(served.headers[.xContentTypeOptions] == "nosniff")
                    let etag = try #require(served.headers[.eTag])
                    let decoded = try DecodedPhoto(Array(served.body.readableBytesView))
                    #expect(decoded.width == size && decoded.height == size)
                    #expect(PhotoStatistics(decoded).saturation < 1, "Inkwell is grey")
                    let again = try await client.execute(uri: path, method: .get, headers: [.ifNoneMatch: etag]) { $0 }
                    #expect(again.status == .notModified)
                }
                // The owner's media and count, and the follower's feed, show it.
                let recent = try await client.get("/v1/users/self/media/recent?access_token=\(token)")
                #expect(recent.ids == [id])
                let profile = try await client.get("/v1/users/self?access_token=\(token)")
                #expect(profile.user?.counts?.media == 1)
                let feed = try await client.get("/v1/users/self/feed?access_token=\(followerToken)")
                #expect(feed.ids == [id])
                let tag = try await client.get("/v1/tags/yosemite/media/recent?access_token=\(followerToken)")
                #expect(tag.ids == [id])
            }
        }
    }

    @Test(arguments: Engine.available)
    func uploadNeedsTheUploadScope(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let token = try await world.token(for: owner, scopes: [.basic, .likes, .comments, .relationships])
            let client = try await world.client()
            try await world.withApp { http in
                let body = try await http.upload("/v1/media/upload?access_token=\(token)", files: [("photo", Self.photo)])
                #expect(body.code == 400 && body.errorType == "OAuthPermissionsException")
                let anonymous = try await http.upload("/v1/media/upload?client_id=\(client.clientID)", files: [("photo", Self.photo)])
                #expect(anonymous.code == 400 && anonymous.errorType == "OAuthParameterException")
            }
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 0)
        }
    }

    /// Each bad input answers 400 in the v1 format and stores nothing: no row, no file.
    @Test(arguments: Engine.available)
    func badUploadsAreRefusedAndStoreNothing(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            // Someone who blocks the uploader cannot be tagged by them: refused as if missing, as their profile is.
            let blocker = try await world.user("blocker")
            try await world.storage.relationships.block(blocker.id, owner.id)
            var bomb = try SyntheticPhoto.jpeg(width: 64, height: 64)
            let sof = try #require(bomb.indices.first { bomb[$0] == 0xFF && bomb[$0 + 1] == 0xC0 })
            bomb.replaceSubrange((sof + 5)...(sof + 8), with: [0x75, 0x30, 0x75, 0x30])
            let cases: [(String, [String: String], [(String, [UInt8])], String)] = [
                ("no photo", ["caption": "hi"], [], "photo"),
                ("empty", [:], [("photo", [])], "photo"),
                ("not an image", [:], [("photo", Array("<html><script>alert(1)</script></html>".utf8))], "JPEG, PNG, WebP, HEIC, AVIF"),
                ("a BMP", [:], [("photo", Array("BM\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}".utf8))], "JPEG, PNG, WebP, HEIC, AVIF"),
                ("a broken GIF", [:], [("photo", Array("GIF89a\u{1}\u{0}\u{1}\u{0}\u{0}\u{0}\u{0};".utf8))], "truncated or corrupt"),
                ("truncated", [:], [("photo", Array(Self.photo.prefix(Self.photo.count / 2)))], "truncated or corrupt"),
                ("bomb", [:], [("photo", bomb)], "image dimensions too large"),
                ("unknown filter", ["filter": "Gotham"], [("photo", Self.photo)], "unknown filter"),
                ("long caption", ["caption": String(repeating: "a", count: 2201)], [("photo", Self.photo)], "caption"),
                ("latitude", ["lat": "91", "lng": "0"], [("photo", Self.photo)], "lat"),
                ("lng alone", ["lng": "10"], [("photo", Self.photo)], "lat"),
                ("no such place", ["location_id": "123456"], [("photo", Self.photo)], "location_id"),
                ("tag list", ["users_in_photo": "[{\"user_id\": \"1\"}"], [("photo", Self.photo)], "users_in_photo"),
                ("tag position", ["users_in_photo": "[{\"user_id\": \"\(owner.id)\", \"x\": 1.5, \"y\": 0.2}]"], [("photo", Self.photo)], "x"),
                ("tag nobody", ["users_in_photo": "[{\"user_id\": \"42\", \"x\": 0.5, \"y\": 0.2}]"], [("photo", Self.photo)], "no user"),
                (
                    "tag a blocker", ["users_in_photo": "[{\"user_id\": \"\(blocker.id)\", \"x\": 0.5, \"y\": 0.2}]"], [("photo", Self.photo)],
                    "no user"
                ),
            ]
            try await world.withApp { client in
                for (name, fields, files, mention) in cases {
                    let body = try await client.upload("/v1/media/upload?access_token=\(token)", fields: fields, files: files)
                    #expect(
                        body.status == 400 && body.errorType == "APIInvalidParametersError",
                        "\(name): \(String(decoding: body.body, as: UTF8.self))"
                    )
                    #expect(body.errorMessage.contains(mention), "\(name): \(body.meta)")
                }
                let malformed = try await client.execute(
                    uri: "/v1/media/upload?access_token=\(token)",
                    method: .post,
                    headers: [.contentType: "multipart/form-data; boundary=xyz"],
                    body: ByteBuffer(string: "--xyz\r\nnonsense")
                ) { try JSONBody($0) }
                #expect(malformed.status == 400 && malformed.errorType == "APIInvalidParametersError")
            }
            try await world.withApp(configure: { $0.uploadLimit = 64 * 1024 }) { client in
                let big = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    files: [("photo", Self.photo + [UInt8](repeating: 0, count: 70 * 1024))]
                )
                #expect(big.status == 413 && big.errorType == "APIInvalidParametersError")
            }
            try await world.withApp(configure: { $0.ingestCapacity = 0 }) { client in
                let busy = try await client.execute(
                    uri: "/v1/media/upload?access_token=\(token)",
                    method: .post,
                    headers: [.contentType: "multipart/form-data; boundary=xyz"],
                    body: ByteBuffer(string: "--xyz--\r\n")
                ) { $0 }
                #expect(busy.status == .serviceUnavailable && busy.headers[.retryAfter] == "2")
            }
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 0)
            #expect(try await world.storage.database.query("SELECT count(*) FROM media").scalarInt() == 0)
            #expect(FileSystem.list(world.storage.files.root + "/m").isEmpty)
        }
    }

    @Test(arguments: Engine.available)
    func placesAndPeopleInThePhoto(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let friend = try await world.user("friend")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            try await world.withApp { client in
                let tagged = "[{\"user_id\": \"\(friend.id)\", \"x\": 0.25, \"y\": 0.75}]"
                let first = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    fields: ["lat": "37.7459", "lng": "-119.5332", "location_name": "Half Dome", "users_in_photo": tagged],
                    files: [("photo", Self.photo)]
                )
                #expect(first.status == 200, "\(String(decoding: first.body, as: UTF8.self))")
                let location = try #require(first.media?.location)
                #expect(location.name == "Half Dome")
                let locationID = try #require(location.id)
                let people = try #require(first.media?.usersInPhoto)
                #expect(people.first?.user.id == friend.id.description)
                #expect(people.first?.position.x == 0.25)
                // The same name nearby is the same place; an id names it directly; bare coordinates are a geotag.
                let second = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    fields: ["lat": "37.7460", "lng": "-119.5331", "location_name": "half dome"],
                    files: [("photo", Self.photo)]
                )
                #expect(second.media?.location?.id == locationID)
                let third = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    fields: ["location_id": locationID],
                    files: [("photo", Self.photo)]
                )
                #expect(third.media?.location?.id == locationID)
                let bare = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    fields: ["lat": "10.5", "lng": "20.25"],
                    files: [("photo", Self.photo)]
                )
                let geotag = try #require(bare.media?.location)
                #expect(geotag.latitude == 10.5 && geotag.id == nil)
                let atPlace = try await client.get("/v1/locations/\(locationID)/media/recent?access_token=\(token)")
                #expect(atPlace.ids.count == 3)
            }
        }
    }

    @Test(arguments: Engine.available)
    func aRetryWithTheSameIdempotencyKeyMakesOneMedia(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            try await world.withApp { client in
                let headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "upload-1"]
                let first = try await client.upload("/v1/media/upload?access_token=\(token)", files: [("photo", Self.photo)], headers: headers)
                let retry = try await client.upload("/v1/media/upload?access_token=\(token)", files: [("photo", Self.photo)], headers: headers)
                #expect(first.status == 200 && retry.status == 200)
                #expect(first.media?.id != nil && first.media?.id == retry.media?.id)
                let other = try await client.upload("/v1/media/upload?access_token=\(token)", files: [("photo", Self.photo)])
                #expect(other.media?.id != nil && other.media?.id != first.media?.id)
            }
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 2)
            #expect(FileSystem.list(world.storage.files.root + "/m").flatMap { FileSystem.list(world.storage.files.root + "/m/" + $0) }.count == 2)
        }
    }

    @Test(arguments: Engine.available)
    func deletingMediaRemovesItEverywhereButOnlyForItsOwner(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let fan = try await world.user("fan")
            try await world.storage.relationships.follow(fan.id, owner.id)
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            let fanToken = try await world.token(for: fan, scopes: [.basic, .upload, .likes, .comments])
            try await world.withApp { client in
                let posted = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    fields: ["caption": "#gone soon"],
                    files: [("photo", Self.photo)]
                )
                let id = try #require(posted.media?.id)
                let url = try #require(posted.media?.images["thumbnail"]?.url)
                _ = try await client.post("/v1/media/\(id)/likes?access_token=\(fanToken)")
                _ = try await client.post("/v1/media/\(id)/comments?access_token=\(fanToken)", form: ["text": "lovely"])

                let stranger = try await client.delete("/v1/media/\(id)?access_token=\(fanToken)")
                #expect(stranger.code == 400 && stranger.errorType == "APINotAllowedError")

                let deleted = try await client.delete("/v1/media/\(id)?access_token=\(token)")
                #expect(deleted.code == 200 && deleted.dataIsNull)
                #expect(try await client.get("/v1/media/\(id)?access_token=\(fanToken)").errorType == "APINotFoundError")
                #expect(try await client.get("/v1/users/self/feed?access_token=\(fanToken)").ids.isEmpty)
                #expect(try await client.get("/v1/tags/gone?access_token=\(fanToken)").tag?.mediaCount == 0)
                let file = try await client.execute(uri: String(url.dropFirst("http://darkroom.test".count)), method: .get) { $0 }
                #expect(file.status == .notFound)
                #expect(try await client.delete("/v1/media/\(id)?access_token=\(token)").errorType == "APINotFoundError")
            }
            let database = world.storage.database
            for table in ["likes", "comments", "media_tags", "feed_entries"] {
                #expect(try await database.query("SELECT count(*) FROM \(raw: table)").scalarInt() == 0, "\(table)")
            }
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 0)
        }
    }

    @Test(arguments: Engine.available)
    func profilePictureIsASquareShownWhereverTheUserIs(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            let mediaID = try await world.post(by: owner, caption: "before")
            try await world.withApp { client in
                let before = try await client.get("/v1/media/\(mediaID)?access_token=\(token)")
                let oldPicture = try #require(before.media?.user.profilePicture)
                let anonymous = try await client.execute(uri: String(oldPicture.dropFirst("http://darkroom.test".count)), method: .get) { $0 }
                #expect(anonymous.status == .ok && anonymous.headers[.contentType] == "image/jpeg")
                #expect(try DecodedPhoto(Array(anonymous.body.readableBytesView)).width == 150)
                let first = try await client.upload("/v1/users/self/profile_picture?access_token=\(token)", files: [("photo", Self.photo)])
                #expect(first.status == 200, "\(String(decoding: first.body, as: UTF8.self))")
                let picture = try #require(first.user?.profilePicture)
                #expect(picture != oldPicture && picture.hasSuffix("/profile.jpg"))
                let served = try await client.execute(uri: String(picture.dropFirst("http://darkroom.test".count)), method: .get) { $0 }
                let decoded = try DecodedPhoto(Array(served.body.readableBytesView))
                #expect(decoded.width == 150 && decoded.height == 150)
                let after = try await client.get("/v1/media/\(mediaID)?access_token=\(token)")
                #expect(after.media?.user.profilePicture == picture)

                let second = try await client.upload("/v1/users/self/profile_picture?access_token=\(token)", files: [("photo", Self.photo)])
                #expect(second.user?.profilePicture != nil && second.user?.profilePicture != picture)
                let gone = try await client.execute(uri: String(picture.dropFirst("http://darkroom.test".count)), method: .get) { $0 }
                #expect(gone.status == .notFound)
                let other = try await client.upload("/v1/users/\(owner.id)/profile_picture?access_token=\(token)", files: [("photo", Self.photo)])
                #expect(other.status == 404)
            }
        }
    }

    /// Files a crash left without a row go once they are old enough; files a row names stay.
    @Test(arguments: Engine.available)
    func sweepRemovesOrphanedFilesOnly(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("ansel")
            let files = world.storage.files
            let kept = try files.store([("standard.jpg", [1]), ("low.jpg", [2]), ("thumbnail.jpg", [3])], kind: .media)
            _ = try await world.storage.mediaWriter.create(
                NewMedia(owner: owner.id, renditions: Renditions(key: kept, standard: 612, low: 306, thumbnail: 150))
            )
            let orphan = try files.store([("standard.jpg", [1])], kind: .media)
            let picture = try files.store([("profile.jpg", [1])], kind: .profilePicture)
            _ = try await world.storage.users.setProfilePicture(picture, of: owner.id)
            #expect(try await world.storage.sweepOrphanedFiles(grace: 600) == 0, "young files are left alone")
            let anHourAgo = Date(timeIntervalSince1970: TimeInterval(world.clock.now / 1000 - 3600))
            for key in [kept, orphan, picture] {
                try FileManager.default.setAttributes([.modificationDate: anHourAgo], ofItemAtPath: files.root + "/" + key)
            }
            #expect(try await world.storage.sweepOrphanedFiles(grace: 600) == 1)
            #expect(files.path(kept, "standard.jpg") != nil && files.path(picture, "profile.jpg") != nil)
            #expect(files.path(orphan, "standard.jpg") == nil)
            #expect(!MediaFiles.isKey("m/../../etc") && !MediaFiles.isKey("seed/1") && MediaFiles.isKey(kept))
        }
    }

    /// The sweep asks about many keys per query, a bounded batch at a time, and answers per key all the same.
    @Test func sweepAsksInBoundedBatches() async throws {
        try await TestWorld.with(.sqlite) { world in
            let files = world.storage.files
            var keys: [String] = []
            for index in 0..<7 { keys.append(try files.store([("standard.jpg", [UInt8(index)])], kind: .media)) }
            let anHourAgo = Date(timeIntervalSince1970: TimeInterval(world.clock.now / 1000 - 3600))
            for key in keys { try FileManager.default.setAttributes([.modificationDate: anHourAgo], ofItemAtPath: files.root + "/" + key) }
            let named = Set(keys.prefix(3))
            let asked = Mutex<[Int]>([])
            let removed = try await files.sweep(olderThan: 600, batch: 2) { batch in
                asked.withLock { $0.append(batch.count) }
                return named.intersection(batch)
            }
            #expect(removed == 4)
            #expect(asked.withLock { $0.allSatisfy { $0 <= 2 } && $0.reduce(0, +) == 7 })
            for key in keys { #expect((files.path(key, "standard.jpg") != nil) == named.contains(key)) }
        }
    }
}

/// A private account's photo files are reached only through signed links that lapse, and cached privately.
@Suite struct PrivateFilesTests {
    @Test(arguments: Engine.available)
    func privatePhotosAreServedOnlyThroughSignedLinksThatLapse(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let secret = try await world.user("secret", isPrivate: true)
            let open = try await world.user("open")
            let fan = try await world.user("fan")
            try await world.storage.relationships.follow(fan.id, secret.id)
            func post(by owner: User) async throws -> MediaID {
                let key = try world.storage.files.store(
                    [("standard.jpg", [0xFF, 0xD8, 0xFF, 0xD9]), ("low.jpg", [1]), ("thumbnail.jpg", [2])],
                    kind: .media
                )
                return try await world.storage.mediaWriter.create(
                    NewMedia(owner: owner.id, renditions: Renditions(key: key, standard: 612, low: 306, thumbnail: 150))
                )
            }
            let hidden = try await post(by: secret)
            let shown = try await post(by: open)
            let token = try await world.token(for: fan)
            try await world.withApp { client in
                func url(_ media: MediaID) async throws -> String {
                    let found = try await client.get("/v1/media/\(media)?access_token=\(token)")
                    return try #require(found.media?.images["standard_resolution"]?.url)
                }
                func fetch(_ url: String) async throws -> TestResponse {
                    try await client.execute(uri: String(url.dropFirst("http://darkroom.test".count)), method: .get) { $0 }
                }
                let signed = try await url(hidden)
                #expect(signed.hasPrefix("http://darkroom.test/media/m/") && signed.contains("?e=") && signed.contains("&s="))
                let served = try await fetch(signed)
                #expect(served.status == .ok && served.headers[.cacheControl]?.hasPrefix("private, max-age=") == true)
                let bare = String(signed.prefix { $0 != "?" })
                #expect(try await fetch(bare).status == .notFound)
                #expect(try await fetch(signed.replacingOccurrences(of: "&s=", with: "&s=0")).status == .notFound)
                // The feed page and the media object are the same within the hour (cached renderings stay valid)...
                #expect(try await url(hidden) == signed)
                // ...and two hours on the link has lapsed; a fresh rendering carries a new one that works.
                world.clock.advance(seconds: 3 * 3600)
                #expect(try await fetch(signed).status == .notFound)
                let renewed = try await url(hidden)
                let renewedFile = try await fetch(renewed)
                #expect(renewed != signed && renewedFile.status == .ok)

                // A public account's files have one lasting, publicly cacheable URL...
                let lasting = try await url(shown)
                #expect(!lasting.contains("?"))
                let publicFile = try await fetch(lasting)
                #expect(publicFile.status == .ok && publicFile.headers[.cacheControl]?.contains("public") == true)
                // ...which stops working the moment its owner turns private.
                try await world.storage.users.update(open.id, profile: .init(fullName: "", bio: "", website: "", isPrivate: true))
                #expect(try await fetch(lasting).status == .notFound)
            }
        }
    }
}
