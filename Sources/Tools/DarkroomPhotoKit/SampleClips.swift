import DarkroomImaging
import Foundation

/// Clips made by FFmpeg for tests and benchmarks: its test pattern (or a still photo held still) with a tone, in the
/// codecs phones write. Made fresh each time, so no binary fixture is kept in the repository.
public enum SampleClips {
    public enum Codec: Sendable {
        case h264, hevc
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A clip of FFmpeg's `testsrc` pattern at `width`×`height`, with a 440 Hz `sine` when `audio`. `quarterTurns`
    /// writes a display rotation into the track header, as an iPhone does for a clip shot upright: stored landscape,
    /// shown portrait. `container` is `mp4` or `mov`.
    public static func make(
        seconds: Double,
        width: Int,
        height: Int,
        codec: Codec = .h264,
        audio: Bool = true,
        frameRate: Int = 30,
        container: String = "mp4",
        quarterTurns: Int = 0,
        hlg: Bool = false
    ) async throws -> [UInt8] {
        var inputs = ["-f", "lavfi", "-i", "testsrc=size=\(width)x\(height):rate=\(frameRate):duration=\(seconds)"]
        if audio { inputs += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(seconds)"] }
        var clip = try await encode(inputs, codec: codec, audio: audio, container: container, hlg: hlg)
        if quarterTurns % 4 != 0 { try rotate(&clip, quarterTurns: quarterTurns) }
        return clip
    }

    /// A clip that holds a still photo (PNG or JPEG bytes) for `seconds`, at high quality: for comparing a filtered
    /// video's frame with the same photo filtered.
    public static func still(_ photo: [UInt8], seconds: Double) async throws -> [UInt8] {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(photo).write(to: URL(fileURLWithPath: folder + "/still"))
        return try await encode(
            ["-loop", "1", "-framerate", "30", "-t", "\(seconds)", "-i", folder + "/still"],
            codec: .h264,
            audio: false,
            container: "mp4",
            quality: "12"
        )
    }

    /// One frame of a clip at `seconds`, as PNG (upright, as a player shows it).
    public static func frame(of clip: [UInt8], at seconds: Double) async throws -> [UInt8] {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(clip).write(to: URL(fileURLWithPath: folder + "/clip"))
        try await ffmpeg(["-ss", "\(seconds)", "-i", folder + "/clip", "-frames:v", "1", "-c:v", "png", "-f", "image2", folder + "/frame.png"])
        return Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/frame.png")))
    }

    /// ffprobe's `width`, `height`, codec and stream kinds of a clip.
    public static func describe(_ clip: [UInt8]) async throws -> (width: Int, height: Int, codec: String, streams: [String], seconds: Double) {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(clip).write(to: URL(fileURLWithPath: folder + "/clip"))
        let outcome = try await ChildProcess.run(
            "ffprobe",
            ["-v", "error", "-show_format", "-show_streams", "-of", "json", folder + "/clip"],
            timeLimit: .seconds(60)
        )
        guard outcome.status == 0, let root = (try? JSONSerialization.jsonObject(with: Data(outcome.output))) as? [String: Any],
            let streams = root["streams"] as? [[String: Any]], let video = streams.first(where: { $0["codec_type"] as? String == "video" })
        else { throw Failure(description: "ffprobe: \(outcome.errors)") }
        let seconds = Double((root["format"] as? [String: Any])?["duration"] as? String ?? "") ?? 0
        return (
            video["width"] as? Int ?? 0, video["height"] as? Int ?? 0, video["codec_name"] as? String ?? "",
            streams.compactMap { $0["codec_type"] as? String }, seconds
        )
    }

    /// `hlg`: 10-bit HEVC flagged as BT.2020 HLG, as an iPhone records HDR.
    private static func encode(
        _ inputs: [String],
        codec: Codec,
        audio: Bool,
        container: String,
        quality: String = "23",
        hlg: Bool = false
    ) async throws -> [UInt8] {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let video: [String] =
            switch codec {
            case .h264: ["-c:v", "libx264", "-preset", "ultrafast", "-crf", quality, "-pix_fmt", "yuv420p"]
            case .hevc:
                [
                    "-c:v", "libx265", "-preset", "ultrafast", "-crf", quality, "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-x265-params",
                    "log-level=error",
                ]
            }
        let hdr =
            hlg
            ? [
                // The picture converted to HLG and BT.2020, as a camera grading HDR would write it, and flagged so.
                "-vf", "zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=arib-std-b67:m=bt2020nc:p=bt2020:r=tv:npl=100,format=yuv420p10le",
                "-pix_fmt", "yuv420p10le", "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc",
                "-x265-params", "log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc",
            ] : []
        let output = folder + "/clip." + container
        try await ffmpeg(inputs + video + hdr + (audio ? ["-c:a", "aac", "-b:a", "96k"] : []) + ["-shortest", output])
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    private static func ffmpeg(_ arguments: [String]) async throws {
        let outcome = try await ChildProcess.run(
            "ffmpeg",
            ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + arguments,
            timeLimit: .seconds(300)
        )
        guard outcome.status == 0 else { throw Failure(description: "ffmpeg: \(outcome.errors)") }
    }

    private static func scratch() throws -> String {
        let folder = NSTemporaryDirectory() + "darkroom-clip-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Writes a display matrix of `quarterTurns` × 90° clockwise into the first track header (`tkhd`, version 0: the
    /// matrix sits 40 bytes after its version field), as FFmpeg 5.1 can no longer be told to.
    private static func rotate(_ clip: inout [UInt8], quarterTurns: Int) throws {
        let tkhd = Array("tkhd".utf8)
        guard let at = (0..<(clip.count - 4)).first(where: { clip[$0..<($0 + 4)].elementsEqual(tkhd) }), clip[at + 4] == 0 else {
            throw Failure(description: "no version 0 track header")
        }
        let one: UInt32 = 0x0001_0000
        let minusOne: UInt32 = 0xFFFF_0000
        let (a, b, c, d): (UInt32, UInt32, UInt32, UInt32) =
            switch ((quarterTurns % 4) + 4) % 4 {
            case 1: (0, one, minusOne, 0)
            case 2: (minusOne, 0, 0, minusOne)
            default: (0, minusOne, one, 0)
            }
        for (index, value) in [a, b, c, d].enumerated() {
            let offset = at + 4 + 40 + [0, 4, 12, 16][index]
            for byte in 0..<4 { clip[offset + byte] = UInt8((value >> (24 - 8 * UInt32(byte))) & 0xFF) }
        }
    }
}
