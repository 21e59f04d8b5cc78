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
        api.post("/media/upload", upload)
        api.delete("/media/:media_id", delete)
        api.post("/users/:user_id/profile_picture", profilePicture)
    }

    /// POST /media/upload — multipart: `photo`, `caption`, `filter`, `location_id` or `lat`+`lng` (+`location_name`),
    /// `users_in_photo`. Every field is checked before the photo is decoded; nothing is stored unless all is well.
    @Sendable func upload(_ request: APIRequest) async throws -> Response {
        let owner = try request.requireViewer()
        let parameters = request.parameters
        let storage = dependencies.storage
        let photo = try Self.photo(request)
        let filterName = parameters.value("filter").flatMap { $0.isEmpty ? nil : $0 } ?? Filter.normal.name
        guard let filter = Filter.named(filterName) else {
            throw APIError.invalidParameter("filter", "unknown filter \(filterName); use one of \(Filter.all.map(\.name).joined(separator: ", "))")
        }
        let caption = try Validation.caption(parameters.value("caption"))
        let place = try await self.place(parameters, owner: owner)
        let people = try await usersInPhoto(parameters.value("users_in_photo"), taggedBy: owner)
        let idempotencyKey = try Validation.idempotencyKey(request.headers[.idempotencyKey] ?? parameters.value("idempotency_key"))
        if let idempotencyKey, let existing = try await storage.mediaWriter.upload(idempotencyKey, by: owner) {
            return try await respond(with: existing, request)
        }

        let renditions = try await dependencies.ingest.renditions(of: photo, filter: filter)
        var new = NewMedia(
            owner: owner, filter: filter.name, caption: caption, locationID: place.location?.id,
            latitude: place.point?.latitude, longitude: place.point?.longitude, renditions: renditions, usersInPhoto: people)
        new.idempotencyKey = idempotencyKey
        let id: MediaID
        do {
            id = try await storage.mediaWriter.create(new)
        } catch let duplicate as DuplicateUpload {
            await storage.files.remove(renditions.key)
            id = duplicate.existing
        } catch {
            await storage.files.remove(renditions.key)
            throw error
        }
        return try await respond(with: id, request)
    }

    /// DELETE /media/{media-id} — by its owner only; removes its files once the rows are gone.
    @Sendable func delete(_ request: APIRequest) async throws -> Response {
        let viewer = try request.requireViewer()
        let id = try request.mediaID()
        let storage = dependencies.storage
        try await storage.media.authorize(.delete, id, actor: viewer)
        if let key = try await storage.mediaWriter.delete(id) { await storage.files.remove(key) }
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

    /// Where the photo was taken: a known place by id, or coordinates (a new or nearby place when named).
    private func place(_ parameters: Parameters, owner: UserID) async throws -> (location: Location?, point: GeoPoint?) {
        let locations = dependencies.storage.locations
        if let id = try parameters.id("location_id") {
            guard let location = try await locations.find(LocationID(id), viewer: owner) else {
                throw APIError.invalidParameter("location_id", "no such location")
            }
            return (location, GeoPoint(latitude: location.latitude, longitude: location.longitude))
        }
        guard let point = try parameters.point() else { return (nil, nil) }
        let name = try Validation.text(parameters.value("location_name") ?? "", field: "location_name", maxLength: 200).trimmingSpaces()
        guard !name.isEmpty else { return (nil, point) }
        return (try await locations.findOrCreate(name: name, at: point, by: owner), point)
    }

    /// `users_in_photo`: a JSON list of `{"user_id", "x", "y"}`, each user existing and willing (`UserPolicy.tagInPhoto`:
    /// not one who blocks the tagger), each position within the photo. A user who blocks the tagger is refused as if
    /// missing, as their profile is to the tagger: the answer tells no more than that does.
    private func usersInPhoto(_ text: String?, taggedBy tagger: UserID) async throws -> [(user: UserID, x: Double, y: Double)] {
        guard let text, !text.isEmpty else { return [] }
        let invalid = APIError.invalidParameter("users_in_photo", "must be a JSON list of {\"user_id\", \"x\", \"y\"}")
        guard text.utf8.count <= 10_000,
              let list = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]]
        else { throw invalid }
        guard list.count <= Validation.maxPeopleInPhoto else {
            throw APIError.invalidParameter("users_in_photo", "at most \(Validation.maxPeopleInPhoto) people")
        }
        var people: [(user: UserID, x: Double, y: Double)] = []
        for entry in list {
            let rawID = (entry["user_id"] as? String) ?? (entry["user_id"] as? NSNumber).map { "\($0.int64Value)" }
            guard let rawID, let user = UserID(decimal: rawID) else { throw invalid }
            let x = try Validation.photoPosition((entry["x"] as? NSNumber)?.doubleValue, field: "users_in_photo x")
            let y = try Validation.photoPosition((entry["y"] as? NSNumber)?.doubleValue, field: "users_in_photo y")
            do {
                try await dependencies.storage.relationships.authorize(.tagInPhoto, actor: tagger, target: user)
            } catch is DomainError {
                throw APIError.invalidParameter("users_in_photo", "no user \(rawID)")
            }
            people.append((user, x, y))
        }
        return people
    }
}

extension HTTPField.Name {
    /// A client's key for one upload: a retry with the same key makes no second media.
    static let idempotencyKey = Self("Idempotency-Key")!
}
