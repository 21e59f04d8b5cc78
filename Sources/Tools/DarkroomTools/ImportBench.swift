import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import DarkroomStorage
import Foundation
import Logging

/// The import bars (issue 35): an Instagram archive of 1080-px JPEGs imported by the job, against posting the same
/// photos as uploads would (the same ingest and post, as many at once, without HTTP) — posts per second and CPU per
/// post — and the import's peak memory above where it started, for a small and a large archive.
struct ImportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Measure an Instagram archive's import rate and CPU per post against plain ingest, and its memory by archive size."
    )

    @Option(help: "Posts in the large archive.") var posts = 1000
    @Option(help: "Posts in the small archive (memory is compared with it).") var smallPosts = 100
    @Option(help: "Distinct photos the archives cycle through.") var photos = 40

    func run() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-import-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        FileHandle.standardError.write(Data("making \(photos) 1080-px photos and the archives…\n".utf8))
        let pictures = try (0..<photos).map { try SyntheticPhoto.jpeg(width: 1080, height: $0 % 3 == 0 ? 1350 : 1080, quality: 85, variant: $0) }
        func archive(_ count: Int, _ name: String) throws -> String {
            let list = (0..<count).map {
                SampleArchives.Post(takenAt: 1_500_000_000 + Int64($0) * 3600, caption: "Post \($0) #bench", photos: [pictures[$0 % pictures.count]])
            }
            return try SampleArchives.write(to: work + "/" + name, layout: .activityJSON, posts: list)[0]
        }
        let large = try archive(posts, "large.zip")
        let small = try archive(smallPosts, "small.zip")

        let plain = try await measure(in: work + "/plain") { storage, importing, owner in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<posts {
                    if index >= importing.workers { try await group.next() }
                    group.addTask {
                        _ = try await importing.postAsUploaded(pictures[index % pictures.count], caption: "Post \(index) #bench", by: owner)
                    }
                }
                try await group.waitForAll()
            }
            return posts
        }
        let smallRun = try await measure(in: work + "/small") { storage, importing, owner in try await importArchive(small, storage, importing, owner)
        }
        let largeRun = try await measure(in: work + "/large") { storage, importing, owner in try await importArchive(large, storage, importing, owner)
        }

        let rateRatio = (Double(posts) / largeRun.seconds) / (Double(posts) / plain.seconds)
        let memoryGap = abs(largeRun.peakMB - smallRun.peakMB)
        let report: [String: Any] = [
            "posts": posts,
            "plain_posts_per_second": (Double(posts) / plain.seconds).rounded(toPlaces: 1),
            "import_posts_per_second": (Double(posts) / largeRun.seconds).rounded(toPlaces: 1),
            "rate_ratio": rateRatio.rounded(toPlaces: 3),
            "plain_cpu_ms_per_post": (plain.cpu / Double(posts) * 1000).rounded(toPlaces: 1),
            "import_cpu_ms_per_post": (largeRun.cpu / Double(posts) * 1000).rounded(toPlaces: 1),
            "import_peak_mb_small": smallRun.peakMB.rounded(toPlaces: 1),
            "import_peak_mb_large": largeRun.peakMB.rounded(toPlaces: 1),
            "bars_met": ["rate_at_least_0.9x_plain": rateRatio >= 0.9, "memory_within_20mb": memoryGap <= 20],
        ]
        let json = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    private func importArchive(_ path: String, _ storage: Storage, _ importing: ArchiveImporting, _ owner: UserID) async throws -> Int {
        let id = try await storage.archiveImports.start(for: owner, source: .instagram, paths: [path], ownsFiles: false, visibility: .public)
        var registry = JobRegistry()
        importing.register(in: &registry)
        try await JobWorker(storage: storage, registry: registry, logger: Logger(label: "bench")).drain()
        guard let ended = try await storage.archiveImports.find(id), ended.state == .done, ended.failed == 0 else {
            throw ValidationError("the import did not finish cleanly")
        }
        return Int(ended.done)
    }

    /// Runs `body` against a fresh data directory (SQLite), timing it and measuring the process's peak memory above
    /// where it started.
    private func measure(
        in directory: String,
        _ body: @escaping (Storage, ArchiveImporting, UserID) async throws -> Int
    ) async throws -> (seconds: Double, cpu: Double, peakMB: Double) {
        var options = StorageOptions()
        options.dataDir = directory
        options.databaseURL = ""
        return try await options.withStorage { storage in
            let owner = try await storage.users.create(NewUser(username: "bench_import", fullName: ""))
            let importing = try ArchiveImporting(storage: storage, images: ImageSettings(), logger: Logger(label: "bench"))
            let startRSS = IngestBench.residentKB(resettingPeak: true)
            let cpuBefore = cpuSeconds(RUSAGE_SELF)
            let start = ContinuousClock.now
            _ = try await body(storage, importing, owner.id)
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return (seconds, cpuSeconds(RUSAGE_SELF) - cpuBefore, Double(IngestBench.peakResidentKB() - startRSS) / 1024)
        }
    }
}
