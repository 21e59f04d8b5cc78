import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import DarkroomStorage
import Foundation
import Synchronization

/// The video bars (issue 34): a clip (30 s of 1080p H.264 with sound by default) from upload to ready through a
/// running server — wall time and CPU, the server's own and its children's — against FFmpeg alone running the same
/// command lines in the same run (Darkroom's overhead is the difference: probing, the cover through the photo
/// pipeline, moving files, the post); and the feed's p99 while two such clips are transcoded, against the idle p99.
struct VideoBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video",
        abstract: "Measure a video's upload-to-ready CPU against FFmpeg alone, and feed p99 during two transcodes."
    )

    @OptionGroup var storage: StorageOptions
    @Option(help: "Length of the clip, in seconds.") var seconds = 30
    @Option(help: "Width of the clip.") var width = 1920
    @Option(help: "Height of the clip.") var height = 1080
    @Option(help: "Filter applied.") var filter = "Valencia"
    @Option(help: "Seconds of each feed measurement.") var duration = 8
    @Option(help: "Feed measurements idle, and as many during the two transcodes; medians are reported.") var runs = 3
    @Option(help: "wrk connections for the feed.") var connections = 8
    @Option(help: "Distinct viewers the feed load rotates over.") var viewers = 200

    func run() async throws {
        guard let chosen = Filter.named(filter) else { throw ValidationError("unknown filter \(filter)") }
        let monitoring = bootstrapAsServeDoes()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-video-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        FileHandle.standardError.write(Data("making a \(seconds) s \(width)x\(height) clip…\n".utf8))
        let clip = try await SampleClips.make(seconds: Double(seconds), width: width, height: height)
        let clipPath = work + "/clip.mp4"
        try Data(clip).write(to: URL(fileURLWithPath: clipPath))

        let alone = try await ffmpegAlone(clipPath, filter: chosen, in: work)
        try await storage.withStorage { opened in
            let tokens = try await BenchViewers.tokens(in: opened, count: viewers, follows: 10...1000, scopes: [.basic])
            let author = try await opened.users.create(NewUser(username: "bench_video_\(opened.environment.randomHex(bytes: 4))", fullName: ""))
            let client = try await opened.clients.create(name: "darkroom video bench", redirectURIs: ["http://localhost/bench"])
            let token = try await opened.tokens.create(userID: author.id, client: client, scopes: [.basic, .upload])
            var configuration = AppConfiguration(port: 0)
            configuration.monitoring = monitoring
            configuration.uploadLimit = max(configuration.uploadLimit, clip.count + (1 << 20))
            configuration.videos.maxBytes = configuration.uploadLimit
            try await withBenchServer(configuration: configuration, storage: opened, routes: []) { base in
                let upload = { () async throws -> MediaID in
                    let answer = try await shellOnOwnThread(
                        "curl",
                        ["-sf", "-F", "filter=\(chosen.name)", "-F", "video=@\(clipPath)", "\(base)/v1/media/upload?access_token=\(token)"]
                    )
                    let data = (try JSONSerialization.jsonObject(with: answer) as? [String: Any])?["data"] as? [String: Any]
                    guard let id = (data?["id"] as? String).flatMap(MediaID.init(decimal:)) else {
                        throw ValidationError("upload failed: \(String(decoding: answer, as: UTF8.self))")
                    }
                    return id
                }
                let waiting = { (ids: [MediaID]) async throws -> Int in
                    var count = 0
                    for id in ids where try await opened.videoUploads.find(id)?.state == .processing { count += 1 }
                    return count
                }

                // Upload to ready, alone on the machine.
                let cpuBefore = cpuSeconds(RUSAGE_SELF) + cpuSeconds(RUSAGE_CHILDREN)
                let start = ContinuousClock.now
                let first = try await upload()
                while try await waiting([first]) > 0 { try await Task.sleep(for: .milliseconds(50)) }
                let wall = Self.seconds(ContinuousClock.now - start)
                let cpu = cpuSeconds(RUSAGE_SELF) + cpuSeconds(RUSAGE_CHILDREN) - cpuBefore
                guard try await opened.media.stamps([first], viewer: nil).count == 1 else { throw ValidationError("the video was not posted") }

                // The feed, idle and while two clips are transcoded.
                let load = try BenchLoad(name: "feed", script: BenchViewers.feedScript(tokens: tokens), path: "/")
                defer { load.remove() }
                let wrk = Wrk(connections: connections, duration: duration)
                _ = try await wrk.run(load.arguments(base), seconds: 3)
                var idle: [WrkResult] = []
                for _ in 0..<runs { idle.append(try await wrk.run(load.arguments(base))) }
                let busy = [try await upload(), try await upload()]
                var during: [WrkResult] = []
                for _ in 0..<runs { during.append(try await wrk.run(load.arguments(base))) }
                let stillRunning = try await waiting(busy)
                while try await waiting(busy) > 0 { try await Task.sleep(for: .milliseconds(200)) }
                try printJSON([
                    "machine": machineDescription(),
                    "database": opened.database.displayName,
                    "clip": [
                        "seconds": seconds, "width": width, "height": height, "bytes": clip.count, "codec": "h264 + aac", "filter": chosen.name,
                    ],
                    "ffmpeg_alone": ["cpu_seconds": alone.cpu.rounded(toPlaces: 2), "wall_seconds": alone.wall.rounded(toPlaces: 2)],
                    "darkroom_upload_to_ready": ["cpu_seconds": cpu.rounded(toPlaces: 2), "wall_seconds": wall.rounded(toPlaces: 2)],
                    "cpu_ratio_to_ffmpeg": (cpu / alone.cpu).rounded(toPlaces: 3),
                    "cpu_bar": "at most 1.15 times FFmpeg's CPU",
                    "feed": "\(runs) wrk runs of \(duration) s each (-t1 -c\(connections)), medians",
                    "feed_idle": WrkResult.summary(idle),
                    "feed_during_two_transcodes": WrkResult.summary(during),
                    "transcodes_still_running_after_the_last_run": stillRunning,
                    "feed_p99_ratio": (median(during.map(\.p99)) / max(median(idle.map(\.p99)), 0.001)).rounded(toPlaces: 2),
                    "feed_p99_each_run_ms": ["idle": idle.map(\.p99), "during": during.map(\.p99)],
                    "feed_bar": "p99 during two transcodes at most 3 times the idle p99",
                ])
            }
        }
    }

    /// FFmpeg running Darkroom's command lines for the clip by itself: the renditions, then the cover frame.
    private func ffmpegAlone(_ clip: String, filter: Filter, in work: String) async throws -> (cpu: Double, wall: Double) {
        let folder = work + "/alone"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let settings = VideoSettings()
        let facts = try await VideoProbe(settings: settings).facts(of: clip)
        let plan = try VideoTranscoder(settings: settings).prepare(clip, facts: facts, filter: filter, crop: Crop(), into: folder)
        let cover = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-ss", "0", "-i", clip, "-frames:v", "1", "-c:v", "png", "cover.png"]
        let before = cpuSeconds(RUSAGE_CHILDREN)
        let start = ContinuousClock.now
        for arguments in [plan.arguments, cover] {
            let outcome = try await ChildProcess.run("ffmpeg", arguments, in: folder, timeLimit: .seconds(3600))
            guard outcome.status == 0 else { throw ValidationError("ffmpeg failed: \(outcome.errors)") }
        }
        return (cpuSeconds(RUSAGE_CHILDREN) - before, Self.seconds(ContinuousClock.now - start))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
