import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// Video posts through the HTTP API on both engines, with clips FFmpeg makes in the test: processed as jobs, posted
/// only when ready, served with ranges, shaped as v1 gave videos; hostile files refused with nothing kept.
@Suite struct VideoTests {
    /// Runs every due job, transcodes included, as the server's worker would.
    static func runJobs(_ world: TestWorld, settings: VideoSettings = VideoSettings()) async throws {
        var registry = JobRegistry.standard
        let ingest = PhotoIngest(pipeline: try ImagePipeline(settings: ImageSettings()), files: world.storage.files)
        VideoTranscoding(storage: world.storage, ingest: ingest, settings: settings, logger: Logger(label: "test")).register(in: &registry)
        try await JobWorker(storage: world.storage, registry: registry, logger: Logger(label: "test")).drain()
    }

    static func served(_ client: any TestClientProtocol, _ url: String, range: String? = nil) async throws -> TestResponse {
        let path = String(url.dropFirst("http://darkroom.test".count))
        var headers: HTTPFields = [:]
        if let range { headers[.range] = range }
        return try await client.execute(uri: path, method: .get, headers: headers) { $0 }
    }

    @Test(arguments: Engine.available)
    func aClipIsProcessedThenPostedEverywhereAtOnce(_ engine: Engine) async throws {
        let clip = try await SampleClips.make(seconds: 2, width: 1280, height: 720)
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("maya")
            let follower = try await world.user("follower")
            try await world.storage.relationships.follow(follower.id, owner.id)
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            let followerToken = try await world.token(for: follower)
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                let uploaded = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    fields: ["caption": "Waves #sea", "filter": "Valencia", "cover_time": "1.0"],
                    files: [("video", clip)]
                )
                #expect(uploaded.status == 202 && uploaded.code == 202, "\(String(decoding: uploaded.body, as: UTF8.self))")
                let pending = try #require(uploaded.data([String: String].self))
                let id = try #require(pending["id"])
                #expect(pending["status"] == "processing" && pending["type"] == "video")
                // Until it is ready: its author reads its state, anyone else finds nothing, and no list shows it.
                #expect(try await client.get("/v1/media/\(id)?access_token=\(token)").code == 202)
                let hidden = try await client.get("/v1/media/\(id)?access_token=\(followerToken)")
                #expect(hidden.code == 400 && hidden.errorType == "APINotFoundError")
                #expect(try await client.get("/v1/users/self/feed?access_token=\(followerToken)").ids.isEmpty)
                #expect(try await client.get("/v1/tags/sea/media/recent?access_token=\(followerToken)").ids.isEmpty)
                #expect(try await client.get("/v1/users/self?access_token=\(token)").user?.counts?.media == 0)

                try await Self.runJobs(world)

                let ready = try await client.get("/v1/media/\(id)?access_token=\(followerToken)")
                let media = try #require(ready.media, "\(String(decoding: ready.body, as: UTF8.self))")
                #expect(media.type == "video" && media.filter == "Valencia" && media.id == id)
                let videos = try #require(media.videos)
                #expect(videos["low_resolution"]?.width == 480 && videos["standard_resolution"]?.width == 640)
                #expect(videos["low_bandwidth"]?.height == 480)
                #expect(media.images["standard_resolution"]?.width == 612)
                #expect(media.videoRenditions?.map { "\($0.width)x\($0.height)" } == ["1280x720"])
                #expect(try await client.get("/v1/users/self/feed?access_token=\(followerToken)").ids == [id])
                #expect(try await client.get("/v1/tags/sea/media/recent?access_token=\(followerToken)").ids == [id])
                #expect(try await client.get("/v1/users/self?access_token=\(token)").user?.counts?.media == 1)

                // Every file plays back as what it says: H.264 with the sound, at its size.
                for (url, width, height) in [
                    (videos["low_resolution"]!.url, 480, 480), (videos["standard_resolution"]!.url, 640, 640),
                    (videos["low_bandwidth"]!.url, 480, 480), (media.videoRenditions![0].url, 1280, 720),
                ] {
                    let file = try await Self.served(client, url)
                    #expect(file.status == .ok && file.headers[.contentType] == "video/mp4")
                    let described = try await SampleClips.describe(Array(file.body.readableBytesView))
                    #expect(described.width == width && described.height == height && described.codec == "h264")
                    #expect(described.streams == ["video", "audio"] && abs(described.seconds - 2) < 0.2)
                }
                // Seeking: a range is answered with just those bytes, and the file is cached like a photo's.
                let part = try await Self.served(client, videos["standard_resolution"]!.url, range: "bytes=100-199")
                #expect(part.status == .partialContent && part.body.readableBytes == 100)
                #expect(part.headers[.contentRange]?.hasPrefix("bytes 100-199/") == true)
                #expect(part.headers[.cacheControl]?.contains("max-age=31536000") == true && part.headers[.eTag] != nil)
            }
        }
    }

    @Test(arguments: Engine.available)
    func anUprightPhoneClipInHEVCWithoutSoundKeepsItsShape(_ engine: Engine) async throws {
        // Stored 1920×1080 and turned a quarter, as an iPhone writes a clip shot upright.
        let clip = try await SampleClips.make(seconds: 1, width: 1920, height: 1080, codec: .hevc, audio: false, container: "mov", quarterTurns: 1)
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("maya")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                // Sent as `photo`, as a client that knows only photos would: its bytes say it is a video.
                let uploaded = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    fields: ["crop": "original"],
                    files: [("photo", clip)]
                )
                let id = try #require(uploaded.data([String: String].self)?["id"])
                try await Self.runJobs(world)
                let media = try #require(try await client.get("/v1/media/\(id)?access_token=\(token)").media)
                // 9:16 is taller than 4:5: the full-shape sizes are cut to 4:5, as a photo's would be.
                #expect(media.videoRenditions?.map { "\($0.width)x\($0.height)" } == ["720x900", "1080x1350"])
                #expect(media.aspectRatio == 0.8)
                let file = try await Self.served(client, media.videoRenditions![1].url)
                let described = try await SampleClips.describe(Array(file.body.readableBytesView))
                #expect(described.width == 1080 && described.height == 1350 && described.streams == ["video"])
                // The original, byte for byte, to its owner.
                let original = try await client.execute(uri: "/v1/media/\(id)/original?access_token=\(token)", method: .get) { $0 }
                #expect(Array(original.body.readableBytesView) == clip && original.headers[.contentType] == "video/quicktime")
            }
        }
    }

    /// An iPhone's HDR clip (10-bit HEVC, HLG) becomes SDR H.264 that looks as the same picture does in SDR, not grey
    /// and flat: its saturation and brightness near those of the SDR clip made from the same pattern.
    @Test func anHDRClipIsToneMappedToSDR() async throws {
        func standardFrame(hlg: Bool) async throws -> (PhotoStatistics, VideoFacts) {
            let clip = try await SampleClips.make(seconds: 1, width: 640, height: 360, codec: .hevc, audio: false, container: "mov", hlg: hlg)
            let folder = NSTemporaryDirectory() + "darkroom-hdr-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try Data(clip).write(to: URL(fileURLWithPath: folder + "/source.mov"))
            let facts = try await VideoProbe(settings: VideoSettings()).facts(of: folder + "/source.mov")
            _ = try await VideoTranscoder(settings: VideoSettings())
                .transcode(folder + "/source.mov", facts: facts, filter: .normal, crop: Crop(), coverAt: 0.5, into: folder)
            let standard = Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + VideoRenditions.standardName)))
            #expect(try await SampleClips.describe(standard).codec == "h264")
            return (try PhotoStatistics(of: try await SampleClips.frame(of: standard, at: 0.5)), facts)
        }
        let (hdr, facts) = try await standardFrame(hlg: true)
        let (sdr, sdrFacts) = try await standardFrame(hlg: false)
        #expect(facts.isHDR && !sdrFacts.isHDR)
        // Shown untouched, the HLG clip keeps about half the saturation; tone-mapped, four fifths of it.
        #expect(hdr.saturation > 0.7 * sdr.saturation, "HDR \(hdr), SDR \(sdr)")
        #expect(abs(hdr.luma - sdr.luma) < 25, "HDR \(hdr), SDR \(sdr)")
    }

    @Test(arguments: Engine.available)
    func hostileFilesAreRefusedAndNothingIsKept(_ engine: Engine) async throws {
        let good = try await SampleClips.make(seconds: 2, width: 320, height: 240)
        let wide = try await SampleClips.make(seconds: 1, width: 16384, height: 32, audio: false)
        var zip = Array("PK".utf8) + [3, 4] + [UInt8](repeating: 0, count: 26) + Array("bomb.mp4".utf8)
        zip += [UInt8](repeating: 0, count: 4096)
        let playlist = Array("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n".utf8)
        // The same playlist behind an MP4 header: only the MOV/MP4 reader may look at it, and it finds no video.
        let disguised = [0, 0, 0, 0x14] + Array("ftypisom".utf8) + [0, 0, 2, 0] + Array("isom".utf8) + playlist
        let cases: [(String, [UInt8], String)] = [
            ("truncated", Array(good.prefix(good.count / 2)), "cannot be read"),
            ("16384 pixels wide", wide, "neither side may be over 4096 pixels"),
            ("an HLS playlist", playlist, "not a video Darkroom takes"),
            ("a playlist behind an MP4 header", disguised, "cannot be read"),
            ("a zip renamed .mp4", zip, "not a video Darkroom takes"),
            ("three seconds over a two-second limit", try await SampleClips.make(seconds: 3, width: 160, height: 120), "the limit is 2 seconds"),
        ]
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("maya")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            try await world.withApp(configure: {
                $0.runsJobs = false
                $0.videos.maxSeconds = 2
            }) { client in
                for (name, bytes, reason) in cases {
                    let refused = try await client.upload("/v1/media/upload?access_token=\(token)", files: [("video", bytes)])
                    #expect(refused.code == 400 && refused.errorType == "APIInvalidParametersError", "\(name): \(refused.meta)")
                    #expect(refused.errorMessage.contains(reason), "\(name): \(refused.errorMessage)")
                    #expect(!refused.errorMessage.contains(world.dataDirectory), "\(name) names a server path")
                }
            }
            let originals = (try? FileManager.default.subpathsOfDirectory(atPath: world.dataDirectory + "/originals")) ?? []
            #expect(originals.filter { $0.contains(".") }.isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: world.dataDirectory + "/media-staging").isEmpty)
            #expect(try await world.storage.videoUploads.list(owner: owner.id).isEmpty)
        }
    }

    @Test(arguments: Engine.available)
    func aCancelledUploadIsNeverPostedAndAFailedOneSaysWhy(_ engine: Engine) async throws {
        let clip = try await SampleClips.make(seconds: 1, width: 320, height: 240)
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("maya")
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                let first = try #require(
                    try await client.upload("/v1/media/upload?access_token=\(token)", files: [("video", clip)]).data([String: String].self)?["id"]
                )
                #expect(try await client.execute(uri: "/v1/media/\(first)?access_token=\(token)", method: .delete) { $0.status } == .ok)
                // The original is named by nothing now; a transcode that finds its upload gone posts nothing.
                let second = try #require(
                    try await client.upload("/v1/media/upload?access_token=\(token)", fields: ["cover_time": "0.5"], files: [("video", clip)])
                        .data([String: String].self)?["id"]
                )
                // The kept original is damaged behind the server's back: the transcode fails the upload, with a reason.
                let upload = try #require(try await world.storage.videoUploads.find(MediaID(decimal: second)!))
                try Data("not a video".utf8).write(to: URL(fileURLWithPath: world.storage.originals.path(upload.originalKey)!))
                try await Self.runJobs(world)
                #expect(try await client.get("/v1/users/self/media/recent?access_token=\(token)").ids.isEmpty)
                #expect(try await client.get("/v1/media/\(first)?access_token=\(token)").code == 400)
                let failed = try await client.get("/v1/media/\(second)?access_token=\(token)")
                #expect(failed.code == 422 && failed.errorType == "APIVideoProcessingError", "\(failed.meta)")
                #expect(failed.errorMessage.contains("cannot be read"))
            }
        }
    }

    /// A filter looks the same on a video as on a photo: the mean colour of a filtered clip's frame is that of the
    /// photo pipeline's output for the same frame, within a small tolerance, for a filter with a vignette and without.
    @Test(arguments: ["Valencia", "X-Pro II", "Toaster", "Inkwell"])
    func aFilteredVideoLooksLikeTheSameFrameAsAPhoto(_ name: String) async throws {
        let photo = try SyntheticPhoto.jpeg(width: 960, height: 720)
        let clip = try await SampleClips.still(photo, seconds: 1)
        let filter = try #require(Filter.named(name))
        let folder = NSTemporaryDirectory() + "darkroom-look-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(clip).write(to: URL(fileURLWithPath: folder + "/source.mp4"))
        let transcoder = VideoTranscoder(settings: VideoSettings())
        let facts = try await VideoProbe(settings: VideoSettings()).facts(of: folder + "/source.mp4")
        let made = try await transcoder.transcode(folder + "/source.mp4", facts: facts, filter: filter, crop: Crop(), coverAt: 0.5, into: folder)
        let filteredFrame = try await SampleClips.frame(
            of: Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + VideoRenditions.standardName))),
            at: 0.5
        )
        // The photo pipeline, given the same unfiltered frame (the cover), makes its 612 square.
        let photoSquare = try ImagePipeline(settings: ImageSettings()).ingest(made.cover, filter: filter, crop: Crop()).squares.standard
        let video = try PhotoStatistics(of: filteredFrame)
        let still = try PhotoStatistics(of: photoSquare)
        for (channel, a, b) in [("red", video.red, still.red), ("green", video.green, still.green), ("blue", video.blue, still.blue)] {
            #expect(abs(a - b) < 4, "\(name) \(channel): video \(a), photo \(b)")
        }
        #expect(abs(video.cornerToCentre - still.cornerToCentre) < 0.05, "\(name) vignette: video \(video), photo \(still)")
    }

    @Test(arguments: Engine.available)
    func aVideoWaitsForItsAuthorThenPlaysOnItsPages(_ engine: Engine) async throws {
        let clip = try await SampleClips.make(seconds: 1, width: 640, height: 360)
        try await TestWorld.with(engine) { world in
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                let author = Browser(client)
                try await author.get("/accounts/signup")
                _ = try await author.post("/accounts/signup", [("username", "maya"), ("password", "password-of-maya")])
                let maya = try #require(try await world.storage.users.find(username: "maya"))
                let token = try await world.token(for: maya, scopes: [.basic, .upload])
                let uploaded = try await client.upload(
                    "/v1/media/upload?access_token=\(token)",
                    fields: ["caption": "Dusk"],
                    files: [("video", clip)]
                )
                let id = try #require(uploaded.data([String: String].self)?["id"])
                let code = Shortcode.encode(try #require(MediaID(decimal: id)))
                // Its author is told it is on its way, and the page looks again by itself (no script needed).
                let waiting = try await author.get("/p/\(code)/")
                #expect(waiting.status == 200 && waiting.body.contains("being processed"))
                #expect(waiting.body.contains("<meta http-equiv=\"refresh\""))
                #expect(try await Browser(client).get("/p/\(code)/").status == 404)

                try await Self.runJobs(world)

                let page = try await author.get("/p/\(code)/")
                #expect(page.status == 200)
                #expect(
                    page.body.contains(
                        "<video class=\"photo video\" controls playsinline preload=\"metadata\" poster=\"http://darkroom.test/media/m/"
                    )
                )
                #expect(page.body.contains(".mp4\" type=\"video/mp4\">") && !page.body.contains("autoplay"))
                #expect(try await Browser(client).get("/maya/").body.contains("aria-label=\"Video\""))
                let embed = try await Browser(client).get("/p/\(code)/embed/")
                #expect(embed.body.contains("<video class=\"photo\" id=\"embedded-video\" controls playsinline"))
                #expect(embed.headers[.contentSecurityPolicy]?.contains("media-src 'self'") == true)
                let permalink = "http://darkroom.test/p/\(code)/"
                let oembed = try await client.execute(uri: "/oembed?url=\(Browser.encode(permalink))", method: .get) {
                    Array($0.body.readableBytesView)
                }
                let answer = try #require(try JSONSerialization.jsonObject(with: Data(oembed)) as? [String: Any])
                #expect(answer["type"] as? String == "video" && answer["url"] == nil)
                #expect((answer["html"] as? String)?.contains("a video by @maya") == true)
            }
        }
    }

    @Test(arguments: Engine.available)
    func aPrivateAccountsVideoIsServedOnlyThroughSignedLinks(_ engine: Engine) async throws {
        let clip = try await SampleClips.make(seconds: 1, width: 320, height: 240)
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("maya", isPrivate: true)
            let token = try await world.token(for: owner, scopes: [.basic, .upload])
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                let id = try #require(
                    try await client.upload("/v1/media/upload?access_token=\(token)", files: [("video", clip)]).data([String: String].self)?["id"]
                )
                try await Self.runJobs(world)
                let media = try #require(try await client.get("/v1/media/\(id)?access_token=\(token)").media)
                let signed = try #require(media.videos?["standard_resolution"]?.url)
                #expect(signed.contains("?e=") && signed.contains("&s="))
                let played = try await Self.served(client, signed, range: "bytes=0-99")
                #expect(played.status == .partialContent && played.headers[.cacheControl]?.hasPrefix("private") == true)
                let unsigned = String(signed.prefix { $0 != "?" })
                #expect(try await Self.served(client, unsigned).status == .notFound)
            }
        }
    }

    @Test func aChildPastItsTimeLimitIsKilled() async throws {
        let start = ContinuousClock.now
        let outcome = try await ChildProcess.run("sleep", ["3600"], timeLimit: .milliseconds(200))
        #expect(outcome.timedOut && outcome.status != 0)
        // Killed, not run to its end (the bound is loose: a test run in parallel may keep the timer waiting a while).
        #expect(ContinuousClock.now - start < .seconds(300))
    }
}
