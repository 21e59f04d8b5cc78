import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation
import Logging

/// Runs `TranscodeVideoJob`: probes the kept original again, has FFmpeg make the renditions (`VideoTranscoder`), runs
/// the cover frame through the photo pipeline like any photo of the post, moves everything in under one key, and only
/// then makes the post — which takes the upload's row away in the same transaction. A fault of the file fails the
/// upload with the reason its author reads; anything else fails the attempt, for the queue to retry.
struct VideoTranscoding: Sendable {
    let storage: Storage
    let ingest: PhotoIngest
    let settings: VideoSettings
    let logger: Logger

    func register(in registry: inout JobRegistry) {
        // Run again after a crash, it finds the upload posted (its row gone) and does nothing.
        registry.register(TranscodeVideoJob.self, concurrency: settings.concurrency) { job, _ in try await run(MediaID(job.media)) }
    }

    func run(_ id: MediaID) async throws {
        guard let upload = try await storage.videoUploads.find(id), upload.state == .processing else { return }
        guard let source = storage.originals.path(upload.originalKey) else {
            try await storage.videoUploads.fail(id, reason: "the uploaded file is missing")
            return
        }
        let post = upload.post
        let filter = Filter.named(post.filter) ?? .normal
        let folder = try storage.files.scratchFolder()
        defer { FileManager.default.removeItemIfPresent(folder) }
        let made: TranscodedVideo
        do {
            let facts = try await VideoProbe(settings: settings).facts(of: source)
            made = try await VideoTranscoder(settings: settings)
                .transcode(source, facts: facts, filter: filter, crop: post.crop, coverAt: post.coverSeconds, into: folder)
        } catch .unavailable(let reason) {
            throw VideoUnavailable(reason: reason)
        } catch {
            logger.info("video upload refused", metadata: ["media": "\(id)", "reason": "\(error.message)"])
            try await storage.videoUploads.fail(id, reason: error.message)
            return
        }
        let renditions: Renditions
        do {
            renditions = try await ingest.storeVideo(made, filter: filter, crop: post.crop, settings: settings)
        } catch let error as APIError where error.code == 400 {
            try await storage.videoUploads.fail(id, reason: "its cover frame cannot be read: \(error.message)")
            return
        }
        var new = NewMedia(
            owner: upload.owner,
            type: "video",
            filter: filter.name,
            caption: post.caption,
            locationID: post.locationID.map(LocationID.init),
            latitude: post.latitude,
            longitude: post.longitude,
            renditions: renditions,
            usersInPhoto: post.people.map { (UserID($0.user), $0.x, $0.y) }
        )
        new.fromVideoUpload = id
        new.idempotencyKey = upload.idempotencyKey
        new.altText = post.altText
        new.originalKey = upload.originalKey
        new.crop = post.crop
        new.imported = post.imported
        new.importedComments = post.importedComments ?? []
        do {
            if let imported = post.imported, try await storage.archiveImports.find(imported.importID)?.visibility == .held {
                try await storage.archiveImports.hold(HeldPost(new), imported: imported, owner: upload.owner, fromVideoUpload: id)
            } else {
                _ = try await storage.mediaWriter.create(new)
            }
        } catch is DuplicateUpload {
            await storage.files.remove(renditions.key)
            try await storage.videoUploads.fail(id, reason: "its idempotency key was already used by another post")
        } catch {
            await storage.files.remove(renditions.key)
            // Cancelled by its author meanwhile: nothing to post, nothing to retry.
            if case DomainError.notFound = error { return }
            throw error
        }
    }

    struct VideoUnavailable: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }
}

extension FileManager {
    func removeItemIfPresent(_ path: String) {
        try? removeItem(atPath: path)
    }
}
