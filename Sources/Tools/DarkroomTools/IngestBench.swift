import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import DarkroomSeed
import DarkroomStorage
import Foundation

/// The ingest bar: CPU per 12-megapixel photo made into three renditions plus a filter, in-process, side by side with
/// ImageMagick's `convert` making the same three renditions from the same file.
struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Measure photo ingest CPU and memory against ImageMagick convert; prints the ratio."
    )

    @Option(help: "A JPEG to ingest (default: a 4000x3000 plasma fractal made with ImageMagick, as the guide says).") var photo: String?
    @Option(help: "Photos ingested for the CPU measurement.") var iterations = 20
    @Option(help: "Photos ingested at once for the memory measurement.") var concurrency = 2
    @Option(help: "Filter applied.") var filter = "X-Pro II"
    @Option(help: "convert runs; the median is reported.") var convertRuns = 3

    func run() throws {
        guard let chosen = Filter.named(filter) else { throw ValidationError("unknown filter \(filter)") }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-ingest-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let path = try photo ?? makePlasma(in: work)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let pipeline = try ImagePipeline()
        let baselineRSS = maxResidentKB()

        // Warm up (libvips start-up, vignette masks), then measure.
        for _ in 0..<2 { _ = try pipeline.renditions(of: bytes, filter: chosen) }
        let before = cpuSeconds(RUSAGE_SELF)
        let wallStart = ContinuousClock.now
        for _ in 0..<iterations { _ = try pipeline.renditions(of: bytes, filter: chosen) }
        let darkroomCPU = (cpuSeconds(RUSAGE_SELF) - before) / Double(iterations)
        let wall = (ContinuousClock.now - wallStart) / iterations
        let singleRSS = maxResidentKB()

        // Memory: `concurrency` ingests at once, repeatedly.
        DispatchQueue.concurrentPerform(iterations: concurrency * 4) { _ in _ = try? pipeline.renditions(of: bytes, filter: chosen) }
        let concurrentRSS = maxResidentKB()

        var convertCPU: [Double] = []
        var convertOneProcessCPU: [Double] = []
        for _ in 0..<convertRuns {
            convertCPU.append(try [612, 306, 150].map { try convertRendition(path, size: $0, into: work) }.reduce(0, +))
            convertOneProcessCPU.append(try convertThreeRenditions(path, into: work))
        }
        let vipsThumbnailCPU = try? childCPU("vipsthumbnail", [path, "--size", "612x612", "--smartcrop", "centre", "-o", work.path + "/vt.jpg"])

        let ratio = median(convertCPU) / darkroomCPU
        let oneProcessRatio = median(convertOneProcessCPU) / darkroomCPU
        let report: [String: Any] = [
            "machine": machineDescription(),
            "photo": ["path": photo ?? "plasma:fractal 4000x3000 q90", "bytes": bytes.count],
            "filter": chosen.name,
            "darkroom": [
                "cpu_ms_per_photo": (darkroomCPU * 10_000).rounded() / 10,
                "wall_ms_per_photo": (Double(wall.components.attoseconds) / 1e15 + Double(wall.components.seconds) * 1000).rounded(),
                "iterations": iterations,
            ],
            "memory": [
                "baseline_max_rss_mb": baselineRSS / 1024,
                "after_one_at_a_time_max_rss_mb": singleRSS / 1024,
                "after_\(concurrency)_at_once_max_rss_mb": concurrentRSS / 1024,
                "per_concurrent_ingest_mb": max(0, concurrentRSS - baselineRSS) / 1024 / concurrency,
            ],
            "imagemagick_convert": [
                "cpu_ms_three_commands": (median(convertCPU) * 1000).rounded(),
                "cpu_ms_one_command_writing_three": (median(convertOneProcessCPU) * 1000).rounded(),
                "runs": convertRuns,
            ],
            "vipsthumbnail_process_cpu_ms": vipsThumbnailCPU.map { ($0 * 1000).rounded() } as Any,
            "ratio_convert_to_darkroom": (ratio * 10).rounded() / 10,
            "ratio_one_convert_command_to_darkroom": (oneProcessRatio * 10).rounded() / 10,
            "bar": "at most 150 ms CPU per photo and at least 8x less than convert making the three renditions (one command each)",
            "bar_met": darkroomCPU <= 0.150 && ratio >= 8,
        ]
        let json = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    private func makePlasma(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("photo.jpg").path
        _ = try shell("convert", ["-seed", "7", "-size", "4000x3000", "plasma:fractal", "-quality", "90", path])
        return path
    }

    /// One `convert` making one upright, stripped square rendition: the usual way, a command per size.
    private func convertRendition(_ path: String, size: Int, into directory: URL) throws -> Double {
        try childCPU(
            "convert",
            [
                path, "-auto-orient", "-strip", "-gravity", "center", "-resize", "\(size)x\(size)^", "-extent", "\(size)x\(size)",
                "-quality", "85", directory.path + "/r\(size).jpg",
            ]
        )
    }

    /// One `convert` writing all three squares from one decode: the strongest form of the baseline.
    private func convertThreeRenditions(_ path: String, into directory: URL) throws -> Double {
        let out = directory.path
        return try childCPU(
            "convert",
            [
                path, "-auto-orient", "-strip", "-gravity", "center",
                "(", "+clone", "-resize", "612x612^", "-extent", "612x612", "-quality", "85", "-write", out + "/std.jpg", "+delete", ")",
                "(", "+clone", "-resize", "306x306^", "-extent", "306x306", "-quality", "85", "-write", out + "/low.jpg", "+delete", ")",
                "-resize", "150x150^", "-extent", "150x150", "-quality", "85", out + "/thumb.jpg",
            ]
        )
    }

    /// CPU seconds (user + system) a child process used.
    private func childCPU(_ tool: String, _ arguments: [String]) throws -> Double {
        let before = cpuSeconds(RUSAGE_CHILDREN)
        _ = try shell(tool, arguments)
        return cpuSeconds(RUSAGE_CHILDREN) - before
    }

    private func cpuSeconds(_ who: __rusage_who) -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(who.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    private func maxResidentKB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss
    }
}
