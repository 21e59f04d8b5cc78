import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation
import HTTPTypes
import Hummingbird

/// The writing side of media (an addition over v1): `POST /v1/media/upload`, `DELETE /v1/media/{media-id}` and
/// `POST /v1/users/self/profile_picture`, all with the `upload` scope.
struct MediaUploadController {
    let dependencies: Dependencies

    func addRoutes(to api: APIRoutes) {
        api.add(.upload, upload)
        api.add(.deleteMedia, delete)
        api.add(.profilePicture, profilePicture)
    }

    /// POST /media/upload — multipart: `photo`, `caption`, `filter`, `location_id` or `lat`+`lng` (+`location_name`),
    /// `users_in_photo`. Every field is checked before the photo is decoded; nothing is stored unless all is well.
    @Sendable func upload(_ request: APIRequest) async throws -> Response {
        let owner = try request.requireViewer()
        let idempotencyKey = request.headers[.idempotencyKey] ?? request.parameters.value("idempotency_key")
        let id = try await PhotoPosting(dependencies: dependencies).publish(
            Self.photo(request),
            fields: request.parameters,
            idempotencyKey: idempotencyKey,
            by: owner
        )
        return try await respond(with: id, request)
    }

    /// DELETE /media/{media-id} — by its owner only; removes its files once the rows are gone.
    @Sendable func delete(_ request: APIRequest) async throws -> Response {
        let viewer = try request.requireViewer()
        let id = try request.mediaID()
        try await dependencies.storage.deleteMedia.byOwner(id, actor: viewer)
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

    private static func photo(_ request: APIRequest) throws(APIError) -> [UInt8] {
        guard let photo = request.files["photo"] else { throw .missingParameter("photo") }
        guard !photo.isEmpty else { throw .invalidParameter("photo", "the file is empty") }
        return photo
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
