import DarkroomCore
import Foundation

/// A video's renditions, made in a folder of their own: the v1 squares, the low-bandwidth square, the full-shape sizes,
/// and the cover frame (unfiltered, upright, whole: the photo pipeline filters and cuts it like any photo).
public struct TranscodedVideo: Sendable {
    /// File names in `folder`, each an H.264/AAC MP4 with its index at the front (`faststart`).
    public var files: [String]
    public var folder: String
    /// The full-shape sizes, smallest first.
    public var full: [PixelSize]
    /// The frame at the chosen moment, as PNG.
    public var cover: [UInt8]
}

/// Makes a video's renditions with one FFmpeg process: decoded once, split, each branch cut, scaled and filtered as a
/// photo of the same post would be (`VideoLook`), and encoded; then the cover frame with a second, short one.
public struct VideoTranscoder: Sendable {
    public let settings: VideoSettings

    public init(settings: VideoSettings) {
        self.settings = settings
    }

    /// The full-shape sizes of a `frame` (the crop's region, upright): each configured short edge below the frame's own,
    /// and the frame's own up to the largest; even sides, as H.264's 4:2:0 needs.
    public func fullSizes(of frame: PixelSize) -> [PixelSize] {
        let short = min(frame.width, frame.height)
        let largest = settings.fullSizes.max() ?? 1080
        let edges = Set(settings.fullSizes.filter { $0 < short } + [min(short, largest)]).sorted()
        return edges.map { edge in
            let scale = Double(edge) / Double(short)
            func even(_ value: Double) -> Int { max(2, Int((value / 2).rounded()) * 2) }
            return PixelSize(width: even(Double(frame.width) * scale), height: even(Double(frame.height) * scale))
        }
    }

    /// One output of the transcode.
    struct Output {
        var name: String
        var region: PixelRect
        var size: PixelSize
        /// x264's constant rate factor and, for the low-bandwidth file, a rate cap.
        var quality: Int
        var maxRate: String?
        var audioRate: String
    }

    func outputs(facts: VideoFacts, crop: Crop) -> [Output] {
        let region = crop.region(width: facts.size.width, height: facts.size.height)
        let inSquare = crop.square(width: region.width, height: region.height)
        let square = PixelRect(x: region.x + inSquare.x, y: region.y + inSquare.y, width: inSquare.width, height: inSquare.height)
        func squareOutput(_ name: String, _ edge: Int, quality: Int = 23, maxRate: String? = nil, audio: String = "128k") -> Output {
            Output(name: name, region: square, size: PixelSize(width: edge, height: edge), quality: quality, maxRate: maxRate, audioRate: audio)
        }
        return [
            squareOutput(VideoRenditions.lowName, settings.low),
            squareOutput(VideoRenditions.standardName, settings.standard),
            squareOutput(VideoRenditions.lowBandwidthName, settings.low, quality: 30, maxRate: "400k", audio: "64k"),
        ]
            + fullSizes(of: PixelSize(width: region.width, height: region.height)).map { size in
                Output(name: VideoRenditions.fileName(size), region: region, size: size, quality: 23, maxRate: nil, audioRate: "128k")
            }
    }

    /// Transcodes `source` (already probed: `facts`) into `folder`, which must exist and be empty.
    public func transcode(
        _ source: String,
        facts: VideoFacts,
        filter: Filter,
        crop: Crop,
        coverAt coverSeconds: Double,
        into folder: String
    ) async throws(VideoError) -> TranscodedVideo {
        // The LUT and the vignettes take tens of milliseconds to compute and write: not on a thread that serves requests.
        let plan = try await Self.offServingThreads { () throws(VideoError) in
            try prepare(source, facts: facts, filter: filter, crop: crop, into: folder)
        }
        try await run(plan.arguments, reading: source, in: folder)
        let cover = try await frame(source, at: coverSeconds, of: facts, into: folder)
        return TranscodedVideo(files: plan.files, folder: folder, full: plan.full, cover: cover)
    }

    /// FFmpeg's command line for the renditions, run in `folder`, and what it makes there.
    package struct Plan: Sendable {
        package var arguments: [String]
        package var files: [String]
        package var full: [PixelSize]
    }

    /// Writes the filter's LUT and vignettes into `folder` and answers the one FFmpeg command that makes every
    /// rendition (`darkroom bench video` runs it alone, to measure what Darkroom adds).
    package func prepare(_ source: String, facts: VideoFacts, filter: Filter, crop: Crop, into folder: String) throws(VideoError) -> Plan {
        let outputs = outputs(facts: facts, crop: crop)
        var arguments = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + VideoProbe.confinedInput(source)
        var graph: [String] = []
        let look = filter.look
        // Names relative to `folder`, where FFmpeg runs: a data directory's path never needs escaping in a filter graph.
        let lut = "look.cube"
        if filter.changesColour { try write(Array(VideoLook.cube(look).utf8), to: folder + "/" + lut) }
        var masks: [PixelSize: Int] = [:]
        for output in outputs where masks[output.size] == nil {
            guard let mask = VideoLook.vignetteMask(look, width: output.size.width, height: output.size.height) else { break }
            let path = "vignette-\(output.size.width)x\(output.size.height).pam"
            try write(mask, to: folder + "/" + path)
            masks[output.size] = masks.count + 1
            arguments += ["-protocol_whitelist", "file", "-f", "pam_pipe", "-i", "file:" + path]
        }
        let rate = min(facts.frameRate, Double(settings.outputFrameRate))
        graph.append("[0:v]" + (facts.isHDR ? Self.toneMapping + "," : "") + "split=\(outputs.count)" + outputs.indices.map { "[in\($0)]" }.joined())
        for (index, output) in outputs.enumerated() {
            let r = output.region
            var chain =
                "[in\(index)]crop=\(r.width):\(r.height):\(r.x):\(r.y),scale=\(output.size.width):\(output.size.height):flags=bicubic,setsar=1"
            if filter.changesColour { chain += ",lut3d=file='\(lut)'" }
            if let mask = masks[output.size] {
                chain += "[pre\(index)];[pre\(index)][\(mask):v]overlay=format=yuv420"
            }
            graph.append(chain + ",format=yuv420p[out\(index)]")
        }
        arguments += ["-filter_complex", graph.joined(separator: ";")]
        for (index, output) in outputs.enumerated() {
            arguments += ["-map", "[out\(index)]", "-map", "0:a:0?"] + Self.encoding(output, frameRate: rate) + [output.name]
        }
        return Plan(arguments: arguments, files: outputs.map(\.name), full: outputs.dropFirst(3).map(\.size))
    }

    /// The frame at `moment` (kept within the clip's `seconds`), upright and unfiltered, as PNG: the cover, and what
    /// the posting page shows the filters on.
    public func frame(_ source: String, at moment: Double, of facts: VideoFacts, into folder: String) async throws(VideoError) -> [UInt8] {
        let moment = max(0, min(moment, facts.seconds - 0.1))
        try await run(
            ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-ss", String(format: "%.3f", moment)] + VideoProbe.confinedInput(source)
                + (facts.isHDR ? ["-vf", Self.toneMapping] : []) + ["-frames:v", "1", "-c:v", "png", "-f", "image2", "frame.png"],
            reading: source,
            in: folder
        )
        guard let frame = FileManager.default.contents(atPath: folder + "/frame.png"), !frame.isEmpty else {
            throw .unreadable("no frame at \(String(format: "%.1f", moment)) s")
        }
        try? FileManager.default.removeItem(atPath: folder + "/frame.png")
        return Array(frame)
    }

    /// HDR (BT.2020 with HLG or PQ) to the SDR BT.709 every screen shows right: to linear light, BT.709 primaries,
    /// Möbius's curve (it leaves what SDR can show as it is and bends only the highlights; Hable's darkened an HLG
    /// clip's mid-tones by a third), then back to BT.709's transfer in 8 bits. Without it an iPhone's clip looks grey.
    static let toneMapping =
        "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=mobius:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p"

    /// H.264 High at x264's `veryfast` (the speed a server can afford; the constant rate factor keeps quality), AAC.
    static func encoding(_ output: Output, frameRate: Double) -> [String] {
        var options = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-crf", "\(output.quality)"]
        if let maxRate = output.maxRate { options += ["-maxrate", maxRate, "-bufsize", maxRate] }
        options += ["-r", String(format: "%.3f", frameRate), "-c:a", "aac", "-b:a", output.audioRate, "-ac", "2"]
        return options + ["-movflags", "+faststart", "-map_metadata", "-1", "-f", "mp4"]
    }

    private func run(_ arguments: [String], reading source: String, in folder: String) async throws(VideoError) {
        let outcome: ChildProcess.Outcome
        do {
            outcome = try await ChildProcess.run(
                "ffmpeg",
                arguments,
                inBackground: settings.inBackground,
                in: folder,
                timeLimit: .seconds(settings.timeLimitSeconds)
            )
        } catch {
            throw .unavailable("ffmpeg cannot run: \(error)")
        }
        if outcome.timedOut { throw .timedOut(seconds: settings.timeLimitSeconds) }
        guard outcome.status == 0 else { throw .unreadable(VideoProbe.reason(outcome.errors, hiding: source)) }
    }

    /// Runs `work` on Dispatch's pool: the server runs its tasks on its event loops, which must never wait on work.
    private static func offServingThreads<T: Sendable>(_ work: @escaping @Sendable () throws(VideoError) -> T) async throws(VideoError) -> T {
        let result: Result<T, VideoError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(VideoError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    private func write(_ bytes: [UInt8], to path: String) throws(VideoError) {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw .unavailable("cannot write \(path)") }
    }
}
