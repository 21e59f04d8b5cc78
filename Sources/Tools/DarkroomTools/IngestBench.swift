import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import DarkroomSeed
import DarkroomStorage
import Foundation

/// The ingest bars (issue 31): CPU per 12-megapixel photo, JPEG and HEIC, made into the full set — the original kept,
/// the v1 squares 150/306/612, the full-shape 640/1080/2048 in JPEG and WebP — in-process; peak memory per concurrent
/// ingest; disk per photo; ImageMagick's `convert` making the same set from the same file, same run; and what AVIF
/// renditions would add.
struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Measure photo ingest CPU, memory and disk against ImageMagick convert; prints the ratios."
    )

    @Option(help: "A JPEG to ingest (default: a 4000x3000 plasma fractal made with ImageMagick).") var photo: String?
    @Option(help: "Photos ingested per format for the CPU measurement.") var iterations = 10
    @Option(help: "Photos ingested at once for the memory measurement.") var concurrency = 2
    @Option(help: "Filter applied.") var filter = "X-Pro II"
    @Option(help: "The formats measured, comma-separated: jpeg, heic (one alone makes a quicker profile).") var formats = "jpeg,heic"
    @Option(help: "How the HEIC sample is laid out: grid (512-px tiles, as phones write it) or single (one coded picture).")
    var heicLayout = "grid"
    @Flag(help: "Leave out what AVIF renditions would cost (some 6 s of encoding).") var skipAvif = false
    @Option(help: "convert runs; the median is reported.") var convertRuns = 3
    @Option(help: "CPU ms per photo of the squares-only ingest before originals were kept, for the 2.5x bar (measure it with that build).")
    var baselineCpuMs: Double?

    func run() throws {
        guard let chosen = Filter.named(filter) else { throw ValidationError("unknown filter \(filter)") }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-ingest-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let path = try photo ?? makePlasma(in: work)
        let jpeg = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let pipeline = try ImagePipeline()
        var samples: [(name: String, bytes: [UInt8], path: String)] = []
        let measured = Set(formats.split(separator: ",").map(String.init))
        if measured.contains("jpeg") { samples.append(("jpeg", jpeg, path)) }
        if measured.contains("heic") {
            guard ["grid", "single"].contains(heicLayout) else { throw ValidationError("--heic-layout is grid or single") }
            let heic = heicLayout == "grid" ? try HEIFGrid.make(from: jpeg) : try SamplePhotos.reencoded(jpeg, as: .heic)
            let heicPath = work.appendingPathComponent("photo.heic").path
            try Data(heic).write(to: URL(fileURLWithPath: heicPath))
            samples.append(("heic", heic, heicPath))
        }
        guard !samples.isEmpty else { throw ValidationError("no format to measure: give jpeg, heic or both") }

        var report: [String: Any] = ["machine": machineDescription(), "filter": chosen.name, "heic_layout": heicLayout]
        var darkroomCPU: [String: Double] = [:]
        for (name, bytes, _) in samples {
            for _ in 0..<2 { _ = try pipeline.ingest(bytes, filter: chosen) }  // warm-up: libvips start, vignette masks
            let before = cpuSeconds(RUSAGE_SELF)
            var set: IngestedPhoto?
            for _ in 0..<iterations { set = try pipeline.ingest(bytes, filter: chosen) }
            darkroomCPU[name] = (cpuSeconds(RUSAGE_SELF) - before) / Double(iterations)
            let files = set?.files ?? []
            report["photo_\(name)"] = [
                "bytes": bytes.count,
                "cpu_ms_per_photo": Self.ms(darkroomCPU[name]!),
                "disk_kb_per_photo_with_original": (files.reduce(bytes.count) { $0 + $1.bytes.count }) / 1024,
                "renditions_kb": Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0.bytes.count / 1024) }),
            ]
        }
        let squaresBefore = cpuSeconds(RUSAGE_SELF)
        for _ in 0..<iterations { _ = try pipeline.renditions(of: jpeg, filter: chosen) }
        let squaresOnly = (cpuSeconds(RUSAGE_SELF) - squaresBefore) / Double(iterations)

        // Memory: `concurrency` ingests at once, a few rounds, per format; the peak resident size is reset before each
        // (Linux's clear_refs), so what was resident before (the HEIC sample's encoder) does not count.
        var perIngestMB: [String: Int] = [:]
        for (name, bytes, _) in samples {
            let before = Self.residentKB(resettingPeak: true)
            DispatchQueue.concurrentPerform(iterations: concurrency * 3) { _ in _ = try? pipeline.ingest(bytes, filter: chosen) }
            perIngestMB[name] = max(0, Self.peakResidentKB() - before) / 1024 / concurrency
        }

        // What AVIF renditions would add: the three full sizes encoded as AVIF (libaom through libheif, its default speed).
        if !skipAvif, let jpegCPU = darkroomCPU["jpeg"] {
            let frame = try SamplePhotos.frame(jpeg, longEdge: 2048)
            let avifBefore = cpuSeconds(RUSAGE_SELF)
            var avifBytes = 0
            for edge in [2048, 1080, 640] { avifBytes += try SamplePhotos.avif(frame, longEdge: edge).count }
            let avifCPU = cpuSeconds(RUSAGE_SELF) - avifBefore
            report["avif_if_added"] = [
                "cpu_ms_per_photo": Self.ms(avifCPU), "kb": avifBytes / 1024,
                "times_the_whole_jpeg_ingest": (avifCPU / jpegCPU * 10).rounded() / 10,
            ]
        }

        var convertCPU: [String: [Double]] = [:]
        for _ in 0..<convertRuns {
            for (name, _, path) in samples { convertCPU[name, default: []].append(try convertFullSet(path, into: work)) }
        }
        let convertMedian = convertCPU.mapValues(median)
        let ratios = convertMedian.map { ($0.key, $0.value / darkroomCPU[$0.key]!) }
        report["squares_only_cpu_ms_per_photo"] = Self.ms(squaresOnly)
        if let jpegCPU = darkroomCPU["jpeg"] { report["times_the_squares_only_ingest_same_run"] = (jpegCPU / squaresOnly * 100).rounded() / 100 }
        report["memory_mb_per_concurrent_ingest"] = perIngestMB
        report["concurrency"] = concurrency
        report["imagemagick_convert_same_set_cpu_ms"] = convertMedian.mapValues(Self.ms)
        report["ratio_convert_to_darkroom"] = Dictionary(uniqueKeysWithValues: ratios.map { ($0.0, ($0.1 * 10).rounded() / 10) })
        var bars: [String: Bool] = [
            "8x_less_cpu_than_convert": convertRuns > 0 && ratios.allSatisfy { $0.1 >= 8 },
            "at_most_40_mb_per_concurrent_ingest": perIngestMB.values.allSatisfy { $0 <= 40 },
        ]
        if let baselineCpuMs, darkroomCPU["jpeg"] != nil {
            let times = darkroomCPU["jpeg"]! * 1000 / baselineCpuMs
            report["times_the_squares_only_build"] = (times * 100).rounded() / 100
            bars["at_most_2.5x_the_squares_only_build"] = times <= 2.5
        }
        report["bars_met"] = bars
        let json = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    static func ms(_ seconds: Double) -> Double { (seconds * 10_000).rounded() / 10 }

    private func makePlasma(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("photo.jpg").path
        _ = try shell("convert", ["-seed", "7", "-size", "4000x3000", "plasma:fractal", "-quality", "90", path])
        return path
    }

    /// One `convert` making the whole set from one decode (the strongest form of the baseline): the three squares and
    /// the three full-shape sizes in JPEG and WebP, upright and stripped, as Darkroom makes them.
    private func convertFullSet(_ path: String, into directory: URL) throws -> Double {
        let out = directory.path
        var arguments = [path, "-auto-orient", "-strip", "-colorspace", "sRGB", "-gravity", "center"]
        for edge in [2048, 1080, 640] {
            arguments += ["(", "+clone", "-resize", "\(edge)x\(edge)>", "-quality", "85", "-write", out + "/f\(edge).jpg"]
            arguments += ["-quality", "80", "-write", out + "/f\(edge).webp", "+delete", ")"]
        }
        for edge in [612, 306] {
            arguments += ["(", "+clone", "-resize", "\(edge)x\(edge)^", "-extent", "\(edge)x\(edge)", "-quality", "85"]
            arguments += ["-write", out + "/s\(edge).jpg", "+delete", ")"]
        }
        arguments += ["-resize", "150x150^", "-extent", "150x150", "-quality", "85", out + "/s150.jpg"]
        return try childCPU("convert", arguments)
    }

    /// CPU seconds (user + system) a child process used.
    private func childCPU(_ tool: String, _ arguments: [String]) throws -> Double {
        let before = cpuSeconds(RUSAGE_CHILDREN)
        _ = try shell(tool, arguments)
        return cpuSeconds(RUSAGE_CHILDREN) - before
    }

    /// The resident size now, from /proc/self/status; with `resettingPeak`, the peak (VmHWM) starts again from it.
    static func residentKB(resettingPeak: Bool = false) -> Int {
        if resettingPeak, let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
        return statusField("VmRSS")
    }

    static func peakResidentKB() -> Int { statusField("VmHWM") }

    private static func statusField(_ name: String) -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
