/// Why a video cannot be posted. Every case but `unavailable` is the file's fault, told to the person who sent it.
public enum VideoError: Error, Sendable, Equatable {
    /// Not an MP4 or MOV file (by its bytes, never its name).
    case unsupportedType
    /// FFmpeg could not read it: truncated, damaged, or not what its header claims.
    case unreadable(String)
    case noVideoStream
    case unsupportedCodec(String)
    case tooLong(seconds: Double, limit: Int)
    case tooLarge(width: Int, height: Int, limit: Int)
    case frameRateTooHigh(Double, limit: Int)
    case tooManyStreams(Int, limit: Int)
    case tooBig(bytes: Int, limit: Int)
    /// Decoding took longer than the limit allows.
    case timedOut(seconds: Int)
    /// FFmpeg is missing or failed for a reason of the server's.
    case unavailable(String)

    public var message: String {
        switch self {
        case .unsupportedType: "not a video Darkroom takes: send an MP4 or MOV file (H.264 or HEVC)"
        case .unreadable(let reason): "the video cannot be read (\(reason)); it may be damaged or cut short"
        case .noVideoStream: "the file has no video in it"
        case .unsupportedCodec(let codec): "the video's codec \(codec) is not taken: send H.264 or HEVC video with AAC audio"
        case .tooLong(let seconds, let limit): "the video is \(Int(seconds.rounded(.up))) seconds long; the limit is \(limit) seconds"
        case .tooLarge(let width, let height, let limit): "the video is \(width)×\(height); neither side may be over \(limit) pixels"
        case .frameRateTooHigh(let rate, let limit): "the video has \(Int(rate.rounded())) frames a second; the limit is \(limit)"
        case .tooManyStreams(let count, let limit): "the file holds \(count) streams; at most \(limit) are taken"
        case .tooBig(let bytes, let limit): "the video is \(bytes / 1_048_576) MiB; the limit is \(limit / 1_048_576) MiB"
        case .timedOut(let seconds): "the video took longer than \(seconds) seconds to process"
        case .unavailable(let reason): "video processing is unavailable: \(reason)"
        }
    }
}
