import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation

/// Posting a photo, whichever way it comes: `POST /v1/media/upload` and the web's posting page both hand their fields
/// here. Every field — filter, caption, place, people in the photo, idempotency key — is checked before a pixel is
/// decoded; the photo goes through `PhotoIngest`; the row is written only once its files are in place.
struct PhotoPosting {
    let dependencies: Dependencies
    var storage: Storage { dependencies.storage }

    /// Fields: `filter`, `caption`, `location_id` or `lat`+`lng` (+`location_name`), `users_in_photo`.
    func publish(_ photo: [UInt8], fields: Parameters, idempotencyKey: String?, by owner: UserID) async throws -> MediaID {
        let filter = try Self.filter(fields.value("filter"))
        let caption = try Validation.caption(fields.value("caption"))
        let place = try await self.place(fields, owner: owner)
        let people = try await usersInPhoto(fields.value("users_in_photo"), taggedBy: owner)
        let idempotencyKey = try Validation.idempotencyKey(idempotencyKey)
        if let idempotencyKey, let existing = try await storage.mediaWriter.upload(idempotencyKey, by: owner) {
            return existing
        }
        let renditions = try await dependencies.ingest.renditions(of: photo, filter: filter)
        var new = NewMedia(
            owner: owner,
            filter: filter.name,
            caption: caption,
            locationID: place.location?.id,
            latitude: place.point?.latitude,
            longitude: place.point?.longitude,
            renditions: renditions,
            usersInPhoto: people
        )
        new.idempotencyKey = idempotencyKey
        do {
            return try await storage.mediaWriter.create(new)
        } catch let duplicate as DuplicateUpload {
            await storage.files.remove(renditions.key)
            return duplicate.existing
        } catch {
            await storage.files.remove(renditions.key)
            throw error
        }
    }

    /// A filter by name (any letter case); Normal when none is given.
    static func filter(_ name: String?) throws(APIError) -> Filter {
        let filterName = name.flatMap { $0.isEmpty ? nil : $0 } ?? Filter.normal.name
        guard let filter = Filter.named(filterName) else {
            throw APIError.invalidParameter("filter", "unknown filter \(filterName); use one of \(Filter.all.map(\.name).joined(separator: ", "))")
        }
        return filter
    }

    /// Where the photo was taken: a known place by id, or coordinates (a new or nearby place when named).
    private func place(_ parameters: Parameters, owner: UserID) async throws -> (location: Location?, point: GeoPoint?) {
        let locations = storage.locations
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
                try await storage.relationships.authorize(.tagInPhoto, actor: tagger, target: user)
            } catch is DomainError {
                throw APIError.invalidParameter("users_in_photo", "no user \(rawID)")
            }
            people.append((user, x, y))
        }
        return people
    }
}
