import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation

/// Posting a photo or a carousel, whichever way it comes: `POST /v1/media/upload` and the web's posting page both hand
/// their fields here. Every field — filters, crops, alt texts, caption, place, people in the photos, idempotency key —
/// is checked before a pixel is decoded; the photos go through `PhotoIngest`; the row is written only once every file
/// is in place.
///
/// A carousel sends several photos; `filter`, `crop`, `focal_point`, `alt_text` and `users_in_photo` may then each be
/// sent once per photo, in the photos' order (the n-th value is the n-th photo's; a photo without one gets the
/// default). The caption and the place are the post's.
struct PhotoPosting {
    let dependencies: Dependencies
    var storage: Storage { dependencies.storage }

    /// One photo's own fields, checked.
    struct PhotoFields {
        var filter: Filter
        var crop: Crop
        var altText: String?
        var people: [(user: UserID, x: Double, y: Double)]
    }

    /// Fields: see the type's description; `caption`, `location_id` or `lat`+`lng` (+`location_name`).
    func publish(_ photos: [[UInt8]], fields: Parameters, idempotencyKey: String?, by owner: UserID) async throws -> MediaID {
        guard !photos.isEmpty else { throw APIError.missingParameter("photo") }
        guard photos.count <= Validation.maxCarouselPhotos else {
            throw APIError.invalidParameter("photo", "a carousel holds at most \(Validation.maxCarouselPhotos) photos")
        }
        var perPhoto: [PhotoFields] = []
        for index in photos.indices { perPhoto.append(try await photoFields(fields, index: index, owner: owner)) }
        let caption = try Validation.caption(fields.value("caption"))
        let place = try await self.place(fields, owner: owner)
        let idempotencyKey = try Validation.idempotencyKey(idempotencyKey)
        if let idempotencyKey, let existing = try await storage.mediaWriter.upload(idempotencyKey, by: owner) {
            return existing
        }
        for photo in photos { try Self.imageErrors { () throws(ImageError) in try dependencies.ingest.pipeline.check(photo) } }
        var stored: [StoredPhoto] = []
        do {
            for (photo, own) in zip(photos, perPhoto) {
                stored.append(try await dependencies.ingest.ingest(photo, filter: own.filter, crop: own.crop, keepingOriginalIn: storage.originals))
            }
        } catch {
            for photo in stored { await storage.files.remove(photo.renditions.key) }
            throw error
        }
        let first = (photo: stored[0], fields: perPhoto[0])
        var new = NewMedia(
            owner: owner,
            filter: first.fields.filter.name,
            caption: caption,
            locationID: place.location?.id,
            latitude: place.point?.latitude,
            longitude: place.point?.longitude,
            renditions: first.photo.renditions,
            usersInPhoto: first.fields.people
        )
        new.idempotencyKey = idempotencyKey
        new.altText = first.fields.altText
        new.originalKey = first.photo.originalKey
        new.crop = first.fields.crop
        new.camera = first.photo.camera
        new.carouselItems = zip(stored, perPhoto).dropFirst().map { photo, own in
            NewPhoto(
                filter: own.filter.name,
                renditions: photo.renditions,
                altText: own.altText,
                originalKey: photo.originalKey,
                crop: own.crop,
                camera: photo.camera,
                usersInPhoto: own.people
            )
        }
        do {
            return try await storage.mediaWriter.create(new)
        } catch let duplicate as DuplicateUpload {
            for photo in stored { await storage.files.remove(photo.renditions.key) }
            return duplicate.existing
        } catch {
            for photo in stored { await storage.files.remove(photo.renditions.key) }
            throw error
        }
    }

    /// The `index`-th value of each per-photo field.
    func photoFields(_ fields: Parameters, index: Int, owner: UserID) async throws -> PhotoFields {
        func nth(_ name: String) -> String? {
            let values = fields.values(name)
            return index < values.count ? values[index] : nil
        }
        return PhotoFields(
            filter: try Self.filter(nth("filter")),
            crop: try Validation.crop(nth("crop"), focalPoint: nth("focal_point")),
            altText: try Validation.altText(nth("alt_text")),
            people: try await usersInPhoto(nth("users_in_photo"), taggedBy: owner)
        )
    }

    /// A photo's faults are the client's (400 naming `photo`).
    private static func imageErrors(_ work: () throws(ImageError) -> Void) throws {
        do {
            try work()
        } catch .unavailable(let reason) {
            throw PhotoIngest.ImageUnavailable(reason: reason)
        } catch {
            throw APIError.invalidParameter("photo", error.message)
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
    func place(_ parameters: Parameters, owner: UserID) async throws -> (location: Location?, point: GeoPoint?) {
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
