import DarkroomCore
import Foundation

/// What a video file holds, as ffprobe reads it, checked against the limits before anything is decoded.
public struct VideoFacts: Sendable, Equatable {
    public var seconds: Double
    /// As shown: a phone's portrait clip is stored landscape with a rotation, and this is the upright size.
    public var size: PixelSize
    public var frameRate: Double
    public var hasAudio: Bool
    public var videoCodec: String
    /// High dynamic range (HLG, as iPhones record by default, or PQ): tone-mapped to SDR for every rendition.
    public var isHDR = false
}

/// Reads a video's facts with ffprobe. FFmpeg is told to read the one local file and nothing else: only the `file`
/// protocol, only the MOV/MP4 demuxer (so a playlist or any other format is refused unread) and no external data
/// references, whatever the file says.
public struct VideoProbe: Sendable {
    public let settings: VideoSettings

    public init(settings: VideoSettings) {
        self.settings = settings
    }

    /// The options that confine FFmpeg to reading `path` as an MP4/MOV file; placed before its `-i`.
    static func confinedInput(_ path: String) -> [String] {
        ["-protocol_whitelist", "file", "-f", "mov", "-enable_drefs", "0", "-i", "file:" + path]
    }

    /// Whether the bytes start as an ISO base media (MP4, MOV) file that is not a still image: checked before a file is
    /// written anywhere.
    public static func looksLikeVideo(_ bytes: some Collection<UInt8>) -> Bool {
        let head = Array(bytes.prefix(12))
        guard head.count == 12 else { return false }
        switch String(decoding: head[4..<8], as: UTF8.self) {
        case "ftyp":
            // HEIC and AVIF photos are ISO base media too; their brands say so.
            return (try? ImageFormat(sniffing: head)) == nil
        case "moov", "mdat", "wide", "free", "skip": return true  // QuickTime files from before `ftyp`
        default: return false
        }
    }

    /// Checks the size of the bytes and their type, then probes the file at `path` (the same bytes, written).
    public func check(size: Int, head: some Collection<UInt8>) throws(VideoError) {
        guard size <= settings.maxBytes else { throw .tooBig(bytes: size, limit: settings.maxBytes) }
        guard Self.looksLikeVideo(head) else { throw .unsupportedType }
    }

    /// The file's facts, or why it is refused.
    public func facts(of path: String) async throws(VideoError) -> VideoFacts {
        let outcome: ChildProcess.Outcome
        do {
            outcome = try await ChildProcess.run(
                "ffprobe",
                ["-v", "error", "-hide_banner"] + Self.confinedInput(path) + ["-show_format", "-show_streams", "-of", "json"],
                timeLimit: .seconds(30)
            )
        } catch {
            throw .unavailable("ffprobe cannot run: \(error)")
        }
        if outcome.timedOut { throw .timedOut(seconds: 30) }
        guard outcome.status == 0 else { throw .unreadable(Self.reason(outcome.errors, hiding: path)) }
        return try facts(fromJSON: outcome.output)
    }

    func facts(fromJSON json: [UInt8]) throws(VideoError) -> VideoFacts {
        guard let root = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any],
            let streams = root["streams"] as? [[String: Any]], let format = root["format"] as? [String: Any]
        else { throw .unreadable("no streams found") }
        guard streams.count <= settings.maxStreams else { throw .tooManyStreams(streams.count, limit: settings.maxStreams) }
        guard let video = streams.first(where: { $0["codec_type"] as? String == "video" && !Self.isAttachedPicture($0) }) else {
            throw .noVideoStream
        }
        let codec = video["codec_name"] as? String ?? "unknown"
        guard VideoSettings.videoCodecs.contains(codec) else { throw .unsupportedCodec(codec) }
        let audio = streams.first { $0["codec_type"] as? String == "audio" }
        if let audio {
            let audioCodec = audio["codec_name"] as? String ?? "unknown"
            guard VideoSettings.audioCodecs.contains(audioCodec) else { throw .unsupportedCodec(audioCodec) }
        }
        let width = video["width"] as? Int ?? 0
        let height = video["height"] as? Int ?? 0
        guard width > 0, height > 0 else { throw .unreadable("the video has no picture size") }
        guard width <= settings.maxEdge, height <= settings.maxEdge else { throw .tooLarge(width: width, height: height, limit: settings.maxEdge) }
        let seconds = Self.number(format["duration"]) ?? Self.number(video["duration"]) ?? 0
        guard seconds > 0 else { throw .unreadable("the video has no length") }
        guard seconds <= Double(settings.maxSeconds) + 0.5 else { throw .tooLong(seconds: seconds, limit: settings.maxSeconds) }
        let rate = Self.rate(video["avg_frame_rate"] as? String) ?? Self.rate(video["r_frame_rate"] as? String) ?? 30
        guard rate <= Double(settings.maxFrameRate) + 0.5 else { throw .frameRateTooHigh(rate, limit: settings.maxFrameRate) }
        let quarterTurns = Int((Self.rotation(of: video) / 90).rounded()) & 3
        let upright = quarterTurns % 2 == 1 ? PixelSize(width: height, height: width) : PixelSize(width: width, height: height)
        var facts = VideoFacts(seconds: seconds, size: upright, frameRate: rate, hasAudio: audio != nil, videoCodec: codec)
        facts.isHDR = ["arib-std-b67", "smpte2084"].contains(video["color_transfer"] as? String ?? "")
        return facts
    }

    /// A cover image stored as a video stream (`attached_pic`) is not the video.
    private static func isAttachedPicture(_ stream: [String: Any]) -> Bool {
        ((stream["disposition"] as? [String: Any])?["attached_pic"] as? Int) == 1
    }

    /// Degrees the picture is turned when shown: the display matrix (FFmpeg 5) or the older `rotate` tag.
    private static func rotation(of stream: [String: Any]) -> Double {
        for side in stream["side_data_list"] as? [[String: Any]] ?? [] {
            if let degrees = number(side["rotation"]) { return degrees }
        }
        return number((stream["tags"] as? [String: Any])?["rotate"]) ?? 0
    }

    static func number(_ value: Any?) -> Double? {
        if let text = value as? String { return Double(text) }
        return (value as? NSNumber)?.doubleValue
    }

    private static func rate(_ text: String?) -> Double? {
        guard let parts = text?.split(separator: "/"), parts.count == 2, let top = Double(parts[0]), let bottom = Double(parts[1]), bottom > 0,
            top > 0
        else { return nil }
        return top / bottom
    }

    /// FFmpeg's last line, with the file's path (the server's business, not the sender's) said as "the file".
    static func reason(_ errors: String, hiding path: String) -> String {
        let line = errors.split(whereSeparator: \.isNewline).last.map(String.init) ?? "unknown error"
        let cleaned = line.replacingOccurrences(of: "file:" + path, with: "the file").replacingOccurrences(of: path, with: "the file")
            .trimmingCharacters(in: .whitespaces)
        return String((cleaned.isEmpty ? "unknown error" : cleaned).prefix(200))
    }
}
