import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation
import NIOPosix

/// Posting a video: the same fields as a photo (one filter, crop, focal point, alt text, people, caption, place,
/// idempotency key) and `cover_time`, the moment of the cover frame in seconds. Every field is checked, then the file
/// against the video limits — its bytes, then ffprobe's reading of it — before anything is kept; then the original is
/// stored and the upload waits for its transcode (`VideoUploads`, `VideoTranscoding`).
extension PhotoPosting {
    /// What an upload became: a post made before with the same idempotency key, or an upload being processed.
    enum VideoOutcome {
        case posted(MediaID)
        case processing(MediaID)
    }

    func publishVideo(_ video: [UInt8], fields: Parameters, idempotencyKey: String?, by owner: UserID) async throws -> VideoOutcome {
        let own = try await photoFields(fields, index: 0, owner: owner)
        let caption = try Validation.caption(fields.value("caption"))
        let place = try await self.place(fields, owner: owner)
        let coverSeconds = try fields.number("cover_time", in: 0...3600) ?? 0
        let idempotencyKey = try Validation.idempotencyKey(idempotencyKey)
        if let idempotencyKey, let existing = try await storage.mediaWriter.upload(idempotencyKey, by: owner) { return .posted(existing) }
        let facts = try await checkVideo(video, frameAt: nil).facts
        guard coverSeconds <= facts.seconds else {
            throw APIError.invalidParameter("cover_time", "the video is \(String(format: "%.1f", facts.seconds)) seconds long")
        }
        let fileExtension = video[8..<12].elementsEqual("qt  ".utf8) ? "mov" : "mp4"
        let originals = storage.originals
        let originalKey = try await NIOThreadPool.singleton.runIfActive { try originals.store(video, fileExtension: fileExtension) }
        let post = VideoPost(
            filter: own.filter.name,
            caption: caption,
            locationID: place.location?.id?.rawValue,
            latitude: place.point?.latitude,
            longitude: place.point?.longitude,
            people: own.people.map { VideoPost.Person(user: $0.user.rawValue, x: $0.x, y: $0.y) },
            altText: own.altText,
            crop: own.crop,
            coverSeconds: coverSeconds
        )
        return .processing(
            try await storage.videoUploads.create(owner: owner, originalKey: originalKey, post: post, idempotencyKey: idempotencyKey)
        )
    }

    /// A video's facts, once its bytes and then ffprobe's reading of them pass the limits; ffprobe reads a file, so the
    /// bytes are written to a scratch folder, removed at once. With `frameAt`, also the frame at that moment (PNG).
    func checkVideo(_ video: [UInt8], frameAt moment: Double?) async throws -> (facts: VideoFacts, frame: [UInt8]?) {
        let settings = dependencies.videos
        let probe = VideoProbe(settings: settings)
        try await Self.videoErrors { () async throws(VideoError) in try probe.check(size: video.count, head: video.prefix(12)) }
        let folder = try storage.files.scratchFolder()
        defer { FileManager.default.removeItemIfPresent(folder) }
        let scratch = folder + "/upload"
        try await NIOThreadPool.singleton.runIfActive { try Data(video).write(to: URL(fileURLWithPath: scratch)) }
        let facts = try await Self.videoErrors { () async throws(VideoError) in try await probe.facts(of: scratch) }
        guard let moment else { return (facts, nil) }
        let frame = try await Self.videoErrors { () async throws(VideoError) in
            try await VideoTranscoder(settings: settings).frame(scratch, at: moment, of: facts, into: folder)
        }
        return (facts, frame)
    }

    /// A video's faults are the client's (400 naming `video`); FFmpeg missing is the server's.
    private static func videoErrors<T>(_ work: () async throws(VideoError) -> T) async throws -> T {
        do {
            return try await work()
        } catch .unavailable(let reason) {
            throw VideoTranscoding.VideoUnavailable(reason: reason)
        } catch {
            throw APIError.invalidParameter("video", error.message)
        }
    }
}
