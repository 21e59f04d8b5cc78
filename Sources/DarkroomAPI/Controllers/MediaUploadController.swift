import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation
import HTTPTypes
import Hummingbird

/// The writing side of media (an addition over v1): `POST /v1/media/upload`, `POST /v1/media/{media-id}/edit`,
/// `DELETE /v1/media/{media-id}` and `POST /v1/users/self/profile_picture`, all with the `upload` scope; and
/// `GET /v1/media/{media-id}/original`, a photo as its owner sent it.
struct MediaUploadController {
    let dependencies: Dependencies

    func addRoutes(to api: APIRoutes) {
        api.add(.upload, upload)
        api.add(.editMedia, edit)
        api.add(.mediaOriginal, original)
        api.add(.deleteMedia, delete)
        api.add(.profilePicture, profilePicture)
    }

    /// POST /media/upload — multipart: `photo` (several for a carousel), `caption`, `filter`, `crop`, `focal_point`,
    /// `alt_text`, `location_id` or `lat`+`lng` (+`location_name`), `users_in_photo` (`PhotoPosting`). Every field is
    /// checked before a photo is decoded; nothing is stored unless all is well.
    ///
    /// A `video` (MP4 or MOV; also taken as `photo`) with `cover_time` is answered 202 with the upload's processing
    /// state (`PendingVideoResponses`) until its transcode has made the post.
    @Sendable func upload(_ request: APIRequest) async throws -> Response {
        let owner = try request.requireViewer()
        let idempotencyKey = request.headers[.idempotencyKey] ?? request.parameters.value("idempotency_key")
        let posting = PhotoPosting(dependencies: dependencies)
        if let video = try Self.video(request) {
            switch try await posting.publishVideo(video, fields: request.parameters, idempotencyKey: idempotencyKey, by: owner) {
            case .posted(let id): return try await respond(with: id, request)
            case .processing(let id):
                guard let upload = try await dependencies.storage.videoUploads.find(id) else { throw APIError.mediaNotFound }
                return try PendingVideoResponses(links: dependencies.links).response(upload)
            }
        }
        let id = try await posting.publish(
            Self.photos(request),
            fields: request.parameters,
            idempotencyKey: idempotencyKey,
            by: owner
        )
        return try await respond(with: id, request)
    }

    /// POST /media/{media-id}/edit — by its owner only: `caption` (sent empty, removed) and `alt_text` (once per photo,
    /// in order; sent empty, removed), each left as it is when not sent. Answers the media.
    @Sendable func edit(_ request: APIRequest) async throws -> Response {
        let viewer = try request.requireViewer()
        let id = try request.mediaID()
        let fields = request.parameters
        let caption: String?? = try fields.value("caption").map { try Validation.caption($0) }
        var altTexts: [Int: String?] = [:]
        for (position, text) in fields.values("alt_text").enumerated() { altTexts[position] = try Validation.altText(text) }
        guard caption != nil || !altTexts.isEmpty else { throw APIError.missingParameter("caption or alt_text") }
        try await dependencies.storage.mediaWriter.edit(id, by: viewer, caption: caption, altTexts: altTexts)
        return try await respond(with: id, request)
    }

    /// GET /media/{media-id}/original — the photo as its owner sent it, byte for byte, to its owner alone.
    @Sendable func original(_ request: APIRequest) async throws -> Response {
        let viewer = try request.requireViewer()
        let id = try request.mediaID()
        var position = 0
        if let text = request.parameters.value("photo"), !text.isEmpty {
            guard let number = Int(text), (1...Validation.maxCarouselPhotos).contains(number) else {
                throw APIError.invalidParameter("photo", "must be a photo's number in the post, from 1")
            }
            position = number - 1
        }
        guard let response = try await FileDownload.original(of: id, position: position, actor: viewer, in: dependencies.storage) else {
            throw APIError.notFound("this photo has no original kept: it was posted before Darkroom kept them")
        }
        return response
    }

    /// DELETE /media/{media-id} — by its owner only; removes its files once the rows are gone. A video still being
    /// processed (or failed) is cancelled.
    @Sendable func delete(_ request: APIRequest) async throws -> Response {
        let viewer = try request.requireViewer()
        let id = try request.mediaID()
        do {
            try await dependencies.storage.deleteMedia.byOwner(id, actor: viewer)
        } catch DomainError.notFound(.media) {
            guard try await dependencies.storage.videoUploads.remove(id, by: viewer) else { throw DomainError.notFound(.media) }
        }
        return Envelope.success { $0.null() }
    }

    /// POST /users/self/profile_picture — multipart `photo`; answers the user.
    @Sendable func profilePicture(_ request: APIRequest) async throws -> Response {
        try request.requireSelfPath()
        let viewer = try request.requireViewer()
        let photo = try Self.photo(request)
        let storage = dependencies.storage
        try await dependencies.ingest.replaceProfilePicture(of: viewer, with: photo, in: storage)
        guard let user = try await storage.users.find(viewer) else { throw APIError.userNotFound }
        return Envelope.success { dependencies.users.full(user, into: &$0) }
    }

    /// The upload's video, when it sends one: as `video`, or as a lone `photo` whose bytes are a video's.
    private static func video(_ request: APIRequest) throws(APIError) -> [UInt8]? {
        if let videos = request.files["video"], !videos.isEmpty {
            guard videos.count == 1, request.files["photo"] == nil else {
                throw .invalidParameter("video", "a post holds one video, and no photos beside it")
            }
            guard !videos[0].isEmpty else { throw .invalidParameter("video", "the file is empty") }
            return videos[0]
        }
        guard let photos = request.files["photo"], photos.count == 1, VideoProbe.looksLikeVideo(photos[0]) else { return nil }
        return photos[0]
    }

    private static func photo(_ request: APIRequest) throws(APIError) -> [UInt8] {
        try photos(request)[0]
    }

    private static func photos(_ request: APIRequest) throws(APIError) -> [[UInt8]] {
        guard let photos = request.files["photo"], !photos.isEmpty else { throw .missingParameter("photo") }
        guard photos.allSatisfy({ !$0.isEmpty }) else { throw .invalidParameter("photo", "the file is empty") }
        return photos
    }

    private func respond(with id: MediaID, _ request: APIRequest) async throws -> Response {
        guard let stamp = try await dependencies.storage.media.stamps([id], viewer: request.viewer).first else { throw APIError.mediaNotFound }
        return try await dependencies.mediaResponses.single(stamp, for: request)
    }
}

extension HTTPField.Name {
    /// A client's key for one upload: a retry with the same key makes no second media.
    static let idempotencyKey = Self("Idempotency-Key")!
}
