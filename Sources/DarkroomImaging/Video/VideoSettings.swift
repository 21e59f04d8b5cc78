import Foundation

/// The limits and sizes of video posts (`darkroom serve --video-…` fills them).
public struct VideoSettings: Sendable {
    /// Longest clip taken, in seconds.
    public var maxSeconds = 60
    /// Largest file taken (no more than the upload limit can arrive anyway).
    public var maxBytes = 64 * 1024 * 1024
    /// Neither side of the picture may be larger (4K is 3840×2160; portrait 2160×3840).
    public var maxEdge = 4096
    public var maxFrameRate = 120
    /// iPhones write a video, an audio and a few metadata tracks; more is not a phone's file.
    public var maxStreams = 8
    /// Wall-clock limit of one transcode (a hostile file that decodes forever is killed at it).
    public var timeLimitSeconds = 600
    /// Edges of the v1 squares (`videos.low_resolution`, `videos.standard_resolution`; low bandwidth is the low size).
    public var standard = 640
    public var low = 480
    /// Short edges of the full-shape sizes for the web; a smaller video gets its own size instead (never upscaled).
    public var fullSizes = [720, 1080]
    /// The highest frame rate written; faster clips are thinned to it.
    public var outputFrameRate = 60
    /// Transcodes run at once by one server (at most one per core by default: FFmpeg uses every core it is given).
    public var concurrency = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Whether FFmpeg runs only when the cores are otherwise idle (SCHED_IDLE), so requests never wait behind it.
    public var inBackground = true

    public init() {}

    /// Video codecs taken: H.264 from most phones and cameras, HEVC from iPhones.
    static let videoCodecs: Set<String> = ["h264", "hevc"]
    /// Audio is re-encoded to AAC; these are what phones and editors write.
    static let audioCodecs: Set<String> = ["aac", "mp3", "alac", "opus", "flac", "pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be"]
}
