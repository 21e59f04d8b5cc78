import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import Foundation
import Logging
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// Instagram archives the test writes (`SampleArchives`), in every layout, imported on both engines as the job runs
/// them: posts rebuilt in date order with captions, places, carousels and originals; each post once across a crash;
/// hostile archives refused or their bad posts skipped, with the reason and nothing half-written.
@Suite struct ArchiveImportTests {
    static let photo = try! SyntheticPhoto.jpeg(width: 320, height: 240, variant: 1)
    static let tall = try! SyntheticPhoto.jpeg(width: 240, height: 300, variant: 2)
    static let other = try! SyntheticPhoto.jpeg(width: 300, height: 300, variant: 3)

    /// Five posts: one from before ids carried time (2010), a carousel of three, a caption Instagram mangled, a place.
    static let posts: [SampleArchives.Post] = [
        .init(takenAt: 1_289_001_600, caption: "First one #hello", photos: [photo]),
        .init(takenAt: 1_420_070_400, caption: "Café déjà vu 🎉 #paris", photos: [tall], latitude: 48.8584, longitude: 2.2945),
        .init(takenAt: 1_500_000_000, caption: "Three of them", photos: [photo, tall, other]),
        .init(takenAt: 1_600_000_020, caption: nil, photos: [other]),
        .init(takenAt: 1_690_000_040, caption: "Last #paris", photos: [photo]),
    ]

    static func runJobs(_ world: TestWorld) async throws {
        var registry = JobRegistry.standard
        let ingest = PhotoIngest(pipeline: try ImagePipeline(settings: ImageSettings()), files: world.storage.files)
        ArchiveImporting(storage: world.storage, ingest: ingest, logger: Logger(label: "test")).register(in: &registry, transcodingVideos: true)
        try await JobWorker(storage: world.storage, registry: registry, logger: Logger(label: "test")).drain()
    }

    /// Starts an import of `files` into `owner`'s account, as the page or the command would.
    static func start(
        _ world: TestWorld,
        _ owner: UserID,
        _ files: [String],
        _ visibility: ArchiveImports.Visibility = .public
    )
        async throws -> Int64
    {
        try await world.storage.archiveImports.start(for: owner, source: .instagram, paths: files, ownsFiles: false, visibility: visibility)
    }

    static func archive(
        _ world: TestWorld,
        _ layout: SampleArchives.Layout,
        posts: [SampleArchives.Post] = posts,
        parts: Int = 1,
        profile: SampleArchives.Profile? = nil,
        extra: [(name: String, bytes: [UInt8])] = []
    ) throws -> [String] {
        try SampleArchives.write(
            to: world.dataDirectory + "/archive-\(UUID().uuidString).zip",
            layout: layout,
            posts: posts,
            profile: profile,
            parts: parts,
            extra: extra
        )
    }

    @Test(arguments: Engine.available, SampleArchives.Layout.allCases)
    func anArchiveRebuildsTheProfileInDateOrder(_ engine: Engine, _ layout: SampleArchives.Layout) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("maya")
            let follower = try await world.user("follower")
            try await world.storage.relationships.follow(follower.id, owner.id)
            let profile = SampleArchives.Profile(fullName: "Maya Ø", bio: "Photos of things ✨", picture: Self.other)
            let files = try Self.archive(world, layout, parts: layout == .json ? 2 : 1, profile: profile)
            let id = try await Self.start(world, owner.id, files, .public)
            try await Self.runJobs(world)

            let ended = try #require(try await world.storage.archiveImports.find(id))
            #expect(ended.state == .done && ended.total == 5 && ended.done == 5 && ended.failed == 0, "\(ended)")
            let token = try await world.token(for: owner)
            try await world.withApp { client in
                let recent = try await client.get("/v1/users/self/media/recent?access_token=\(token)&count=10")
                let media = recent.mediaList
                try #require(media.count == 5)
                // Newest first, each at its original date; HTML dates have minutes only.
                let expected = Self.posts.reversed().map { layout == .html ? $0.takenAt / 60 * 60 : $0.takenAt }
                #expect(media.map(\.createdTime) == expected.map(String.init))
                #expect(media.map { $0.caption?.text } == Self.posts.reversed().map(\.caption))
                #expect(media.map { $0.carouselMedia?.count ?? 1 } == [1, 1, 3, 1, 1])
                let place = try #require(media[3].location)
                #expect(abs(place.latitude - 48.8584) < 1e-6 && abs(place.longitude - 2.2945) < 1e-6)
                #expect(try await client.get("/v1/tags/paris/media/recent?access_token=\(token)").ids == [media[0].id, media[3].id])
                // Followers' feeds are not flooded: the imported posts sit at their dates, under anything newer.
                let followerToken = try await world.token(for: follower)
                let fresh = try await world.post(by: follower)
                let top = try await client.get("/v1/users/self/feed?access_token=\(followerToken)&count=1").ids
                #expect(top == ["\(fresh.rawValue)"])
                let me = try await client.get("/v1/users/self?access_token=\(token)").user
                #expect(me?.counts?.media == 5)
                // What the account had is kept (its bio); what it lacked comes from the archive.
                #expect(me?.fullName == "Maya Ø" && me?.bio == "bio of maya" && me?.profilePicture?.contains("/media/p/") == true)
            }
            // Each photo's original is kept byte for byte.
            let originals = try await world.storage.database.query(
                "SELECT original_key FROM media WHERE user_id = \(owner.id) ORDER BY id"
            ).decode { try $0.string() }
            let first = try #require(originals.first.flatMap { world.storage.originals.path($0) })
            #expect(FileManager.default.contents(atPath: first).map(Array.init) == Self.photo)
            // Run again (another import of the same archive): nothing new.
            let again = try await Self.start(world, owner.id, files, .public)
            try await Self.runJobs(world)
            let second = try #require(try await world.storage.archiveImports.find(again))
            let count = try await world.storage.users.find(owner.id)?.counts.media
            #expect(second.state == .done && second.done == 5 && count == 5)
            // A later download of the account: one new post first, so every file has another name; the photos and
            // dates are the same posts, and only the new one arrives.
            let later = try Self.archive(world, layout, posts: [.init(takenAt: 1_695_000_000, caption: "New", photos: [Self.tall])] + Self.posts)
            let third = try await Self.start(world, owner.id, later, .public)
            try await Self.runJobs(world)
            #expect(try await world.storage.archiveImports.find(third)?.done == 6)
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 6)
        }
    }

    @Test(arguments: Engine.available)
    func aStoppedImportResumesPostingEachPostOnce(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("maya")
            let many = (0..<40).map { SampleArchives.Post(takenAt: 1_600_000_000 + Int64($0) * 3600, caption: "Post \($0)", photos: [Self.photo]) }
            let files = try Self.archive(world, .json, posts: many)
            let id = try await Self.start(world, owner.id, files, .public)
            let ingest = PhotoIngest(pipeline: try ImagePipeline(settings: ImageSettings()), files: world.storage.files)
            let importing = ArchiveImporting(storage: world.storage, ingest: ingest, logger: Logger(label: "test"))
            // A run stopped part-way (its process gone): some posts are made, its job is still to do.
            let run = Task { try await importing.run(id, progress: nil) }
            while try await world.storage.archiveImports.find(id)?.done ?? 0 < 5 { try await Task.sleep(for: .milliseconds(5)) }
            run.cancel()
            _ = await run.result
            let partial = try #require(try await world.storage.archiveImports.find(id))
            #expect(partial.state == .running && partial.done < 40)

            try await Self.runJobs(world)
            let ended = try #require(try await world.storage.archiveImports.find(id))
            #expect(ended.state == .done && ended.done == 40 && ended.failed == 0)
            let captions = try await world.storage.database.query("SELECT caption FROM media WHERE user_id = \(owner.id)").decode { try $0.string() }
            #expect(captions.count == 40 && Set(captions).count == 40)
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 40)
            // Files made for a post that never committed are swept; every row's files are there.
            world.clock.advance(seconds: 3600)
            try await world.storage.sweepOrphanedFiles(grace: 600)
            for key in try await world.storage.database.query("SELECT image_key FROM media").decode({ try $0.string() }) {
                #expect(world.storage.files.path(key, "standard.jpg") != nil)
            }
        }
    }

    @Test(arguments: Engine.available)
    func hostilePostsAreSkippedWithTheirReasonAndTheRestArrive(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("maya")
            var climbing = SampleArchives.Post(takenAt: 1_500_000_100, caption: "climbs", photos: [[]])
            climbing.paths = ["../../etc/passwd"]
            var linked = SampleArchives.Post(takenAt: 1_500_000_200, caption: "links", photos: [[]])
            linked.paths = ["media/posts/201701/link.jpg"]
            var missing = SampleArchives.Post(takenAt: 1_500_000_300, caption: "missing", photos: [[]])
            missing.paths = ["media/posts/201701/nowhere.jpg"]
            var bomb = SampleArchives.Post(takenAt: 1_500_000_400, caption: "bomb", photos: [[]])
            bomb.paths = ["media/posts/201701/bomb.jpg"]
            let text = SampleArchives.Post(takenAt: 1_500_000_500, caption: "not a photo", photos: [Array("hello, world".utf8)])
            let good = SampleArchives.Post(takenAt: 1_500_000_600, caption: "good", photos: [Self.photo])
            let files = try Self.archive(
                world,
                .json,
                posts: [climbing, linked, missing, bomb, text, good],
                extra: [
                    ("symlink:media/posts/201701/link.jpg", Array("/etc/passwd".utf8)),
                    ("media/posts/201701/bomb.jpg", [UInt8](repeating: 0, count: 40 << 20)),
                    ("../../outside.txt", Array("x".utf8)),
                ]
            )
            let id = try await Self.start(world, owner.id, files, .public)
            try await Self.runJobs(world)
            let ended = try #require(try await world.storage.archiveImports.find(id))
            #expect(ended.state == .done && ended.done == 1 && ended.failed == 5, "\(ended)")
            let reasons = try await world.storage.archiveImports.failures(of: id).map(\.reason)
            #expect(reasons[0].contains("leads out of the archive"))
            #expect(reasons[1].contains("symbolic link"))
            #expect(reasons[2].contains("has no file media/posts/201701/nowhere.jpg"))
            #expect(reasons[3].contains("zip bomb"))
            #expect(reasons[4].contains("cannot be read"))
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 1)
            #expect(!FileManager.default.fileExists(atPath: world.dataDirectory + "/../outside.txt"))
        }
    }

    @Test(arguments: Engine.available)
    func brokenArchivesAreRefusedWithTheReason(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("maya")
            let notZip = world.dataDirectory + "/not.zip"
            _ = FileManager.default.createFile(atPath: notZip, contents: Data("PK but not really".utf8))
            let noPosts = try Self.archive(world, .json, posts: [], extra: [("readme.txt", Array("hi".utf8))])
            try? FileManager.default.removeItem(atPath: noPosts[0])
            _ = try SampleArchives.write(to: noPosts[0], layout: .json, posts: [])
            let brokenJSON = try Self.archive(world, .json, posts: [], extra: [("content/posts_2.json", Array("[{\"media\": [".utf8))])
            for (paths, reason) in [
                ([notZip], "not a zip archive"), ([world.dataDirectory + "/x-" + UUID().uuidString], "not a zip archive"),
                (brokenJSON, "content/posts_2.json is not valid JSON"),
            ] {
                let id = try await Self.start(world, owner.id, paths, .public)
                try await Self.runJobs(world)
                let ended = try #require(try await world.storage.archiveImports.find(id))
                #expect(ended.state == .failed && ended.failure?.contains(reason) == true, "\(ended.failure ?? "")")
            }
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 0)
        }
    }

    @Test(arguments: Engine.available)
    func heldPostsWaitForReviewAndAnImportCanBeUndone(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("maya")
            let imports = world.storage.archiveImports
            let files = try Self.archive(world, .activityJSON)
            let held = try await imports.start(for: owner.id, source: .instagram, paths: files, ownsFiles: false, visibility: .held)
            try await Self.runJobs(world)
            #expect(try await imports.find(held)?.done == 5)
            #expect(try await imports.heldCount(of: owner.id) == 5)
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 0)
            // Held files survive the sweep; one discarded post's go.
            world.clock.advance(seconds: 3600)
            #expect(try await world.storage.sweepOrphanedFiles(grace: 600) == 0)
            let waiting = try await imports.held(of: owner.id)
            #expect(waiting.map(\.takenAt) == Self.posts.reversed().map(\.takenAt))
            #expect(try await imports.discard(of: owner.id, key: waiting[0].key))
            #expect(world.storage.files.path(waiting[0].post.photos[0].key, "standard.jpg") == nil)
            #expect(try await imports.publish(of: owner.id, keys: [waiting[1].key]) == 1)
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 1)
            #expect(try await imports.publish(of: owner.id) == 3)
            let dates = try await world.storage.database.query("SELECT created_at FROM media WHERE user_id = \(owner.id) ORDER BY id DESC")
                .decode { try $0.int() }
            #expect(dates == Self.posts.dropLast().reversed().map(\.takenAt))

            try await imports.undo(held, owner: owner.id)
            try await Self.runJobs(world)
            #expect(try await imports.find(held)?.state == .undone)
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 0)
            #expect(try await world.storage.database.query("SELECT count(*) FROM media").scalarInt() == 0)
            // Undone, the archive can be imported again.
            let again = try await imports.start(for: owner.id, source: .instagram, paths: files, ownsFiles: false, visibility: .public)
            try await Self.runJobs(world)
            #expect(try await imports.find(again)?.done == 5)
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 5)
        }
    }

    @Test func twoThousandPostsInThreePartsArriveWhole() async throws {
        try await TestWorld.with(.sqlite) { world in
            let owner = try await world.user("maya")
            let small = try SyntheticPhoto.jpeg(width: 96, height: 96, variant: 4)
            let posts = (0..<2000).map { index in
                SampleArchives.Post(
                    takenAt: 1_400_000_000 + Int64(index) * 7200,
                    caption: "Day \(index) #day\(index % 7)",
                    photos: index % 10 == 0 ? [small, small] : [small]
                )
            }
            let files = try Self.archive(world, .json, posts: posts, parts: 3)
            let id = try await Self.start(world, owner.id, files, .public)
            try await Self.runJobs(world)
            let ended = try #require(try await world.storage.archiveImports.find(id))
            #expect(ended.state == .done && ended.done == 2000 && ended.failed == 0)
            #expect(try await world.storage.users.find(owner.id)?.counts.media == 2000)
            #expect(try await world.storage.database.query("SELECT count(*) FROM media_items").scalarInt() == 200)
        }
    }

    @Test(arguments: Engine.available)
    func videosArriveAtTheirDatesPostedOrHeld(_ engine: Engine) async throws {
        let clip = try await SampleClips.make(seconds: 2, width: 320, height: 240)
        try await TestWorld.with(engine) { world in
            let posts: [SampleArchives.Post] = [
                .init(takenAt: 1_600_000_000, caption: "A clip #wave", photos: [clip]),
                .init(takenAt: 1_600_000_100, caption: "Mixed", photos: [Self.photo, clip]),
                .init(takenAt: 1_600_000_200, caption: "A photo", photos: [Self.photo]),
            ]
            let reel = SampleArchives.Post(takenAt: 1_600_000_300, caption: "A reel", photos: [clip])
            let files = try SampleArchives.write(
                to: world.dataDirectory + "/archive-\(UUID().uuidString).zip",
                layout: .activityJSON,
                posts: posts,
                reels: [reel]
            )
            let maya = try await world.user("maya")
            let id = try await Self.start(world, maya.id, files, .public)
            try await Self.runJobs(world)
            let ended = try #require(try await world.storage.archiveImports.find(id))
            // The mixed carousel becomes its photo's post and its video's, at the same date: nothing is left out.
            #expect(ended.state == .done && ended.total == 5 && ended.done == 5 && ended.failed == 0, "\(ended)")
            #expect(try await world.storage.archiveImports.processingVideos(of: id) == 0)
            let token = try await world.token(for: maya)
            try await world.withApp { client in
                let media = try await client.get("/v1/users/self/media/recent?access_token=\(token)").mediaList
                try #require(media.count == 5)
                #expect(media.map(\.createdTime) == ["1600000300", "1600000200", "1600000100", "1600000100", "1600000000"])
                #expect(media[0].type == "video" && media[0].caption?.text == "A reel")
                #expect(Set(media[2...3].map(\.type)) == ["image", "video"] && media[2].caption?.text == "Mixed")
                #expect(media[4].type == "video" && media[4].videos?["standard_resolution"]?.width == 640)
                #expect(try await client.get("/v1/tags/wave/media/recent?access_token=\(token)").ids == [media[4].id])
            }
            // Held: the video waits, transcoded, with the photo, and is posted at its date when its owner says so.
            let ada = try await world.user("ada")
            let held = try await Self.start(world, ada.id, files, .held)
            try await Self.runJobs(world)
            #expect(try await world.storage.archiveImports.find(held)?.done == 5)
            let waiting = try await world.storage.archiveImports.held(of: ada.id)
            #expect(waiting.count == 5 && waiting.last?.post.type == "video")
            #expect(try await world.storage.users.find(ada.id)?.counts.media == 0)
            #expect(try await world.storage.archiveImports.publish(of: ada.id) == 5)
            let types = try await world.storage.database.query("SELECT type, created_at FROM media WHERE user_id = \(ada.id) ORDER BY id")
                .decode { "\(try $0.string()) \(try $0.int())" }
            #expect(types.first == "video 1600000000" && types.last == "video 1600000300" && types.count == 5)
        }
    }

    /// An archive's posts are made several at a time, and a carousel of a photo and a video becomes two posts at one
    /// date: each must get an id of its own even when their transactions run side by side (PostgreSQL's do), or the
    /// video's transcode finds its id taken and never posts it.
    @Test(arguments: Engine.available)
    func postsAtOneDateMadeAtOnceEachGetTheirOwnID(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("maya")
            let id = try await Self.start(world, owner.id, [])
            #expect(try await world.storage.archiveImports.begin(id, source: .instagram, total: 24, done: 0, runner: "test"))
            let takenAt: Int64 = 1_600_000_100
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        var photo = NewMedia(
                            owner: owner.id,
                            filter: "Normal",
                            renditions: Renditions(key: "test/\(index)", standard: 612, low: 306, thumbnail: 150)
                        )
                        photo.imported = ImportedPost(importID: id, itemKey: "photo-\(index)", takenAt: takenAt)
                        _ = try await world.storage.mediaWriter.create(photo)
                    }
                    group.addTask {
                        var video = VideoPost(
                            filter: "Normal",
                            caption: nil,
                            locationID: nil,
                            latitude: nil,
                            longitude: nil,
                            people: [],
                            altText: nil,
                            crop: Crop(shape: .original),
                            coverSeconds: 0
                        )
                        video.imported = ImportedPost(importID: id, itemKey: "video-\(index)", takenAt: takenAt)
                        _ = try await world.storage.videoUploads.create(
                            owner: owner.id,
                            originalKey: "clip-\(index)",
                            post: video,
                            idempotencyKey: nil
                        )
                    }
                }
                try await group.waitForAll()
            }
            let ids = try await world.storage.database.query("SELECT id FROM media UNION ALL SELECT media_id FROM video_uploads")
                .decode { try $0.int() }
            #expect(ids.count == 24 && Set(ids).count == 24)
            #expect(ids.allSatisfy { IDGenerator.milliseconds(of: $0) / 1000 == takenAt })
        }
    }

    @Test func mangledTextIsRepairedAndRightTextIsLeftAlone() {
        #expect(Mojibake.repair(SampleArchives.mangled("Café déjà vu 🎉")) == "Café déjà vu 🎉")
        #expect(Mojibake.repair("Café") == "Café")
        #expect(Mojibake.repair("plain") == "plain")
        #expect(Mojibake.repair("Ã") == "Ã")
        #expect(InstagramHTML.decodeEntities("a &amp; b &lt;3 &#233; &#x1F389; &bogus;") == "a & b <3 é 🎉 &bogus;")
    }
}
