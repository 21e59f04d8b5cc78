import DarkroomCore
import DarkroomStorage
import Hummingbird

/// The posting page's place: one picked from the gazetteer (`location_id`), found by the start of its name and, when
/// coordinates are given, nearest first — or, with none named, the places near the coordinates. Without script the
/// page's "Find places" button sends the search; with it, `/create/places` answers the list as the person types
/// (`posting.js`). When the photo says where it was taken (its EXIF GPS position, read for this alone), the places near
/// there are offered before anything is typed, and a name's matches are ordered by that position when no coordinates are
/// given. A new place (a name and coordinates) can still be given instead.
struct PlacePicker {
    let web: Web
    static let resultCount = 8
    /// How far from the given coordinates places are looked for when no name is typed.
    static let nearbyMeters = 5000.0

    func addRoutes(to routes: WebRoutes, router: Router<AppRequestContext>) {
        routes.get("/create/places") { visit in
            let user = try visit.requireUser()
            let drafts = PhotoDrafts(dataDirectory: web.dependencies.storage.files.dataDirectory, environment: web.dependencies.storage.environment)
            let photo = visit.query.value("draft").flatMap { drafts.file("photo-0", token: $0, owner: user.id) }
            let found = try await search(visit.query, viewer: user.id, takenAt: photo.flatMap(position))
            let html = web.dependencies.templates.fragment("create/place-results", found.fields).description
            return Response(status: .ok, headers: Web.pageHeaders(scripts: false), body: .init(byteBuffer: ByteBuffer(string: html)))
        }
        web.serveScript("/static/posting.js", web.dependencies.templates.postingScript, on: router)
    }

    /// Where a photo says it was taken, if it says.
    func position(_ photo: [UInt8]) -> GeoPoint? {
        try? web.dependencies.ingest.pipeline.position(of: photo)
    }

    /// The template's values for the place part of the posting page; `takenAt`, where the post's first photo was taken.
    func fields(_ form: Parameters, viewer: UserID?, takenAt: GeoPoint?) async throws -> [String: Any] {
        let found = try await search(form, viewer: viewer, takenAt: takenAt)
        let typedPlace = !(form.value("location_name") ?? "").isEmpty || !(form.value("lat") ?? "").isEmpty
        return found.fields.merging(
            [
                "placeOpen": typedPlace || found.searched || found.nearPhoto || form.value("location_id") != nil,
                "placeQuery": form.value("place_q") ?? "",
                "locationName": form.value("location_name") ?? "", "lat": form.value("lat") ?? "", "lng": form.value("lng") ?? "",
            ]
        ) { _, new in new }
    }

    private struct Found {
        var places: [[String: Any]]
        var searched: Bool
        /// The search found nothing (the place chosen before is still shown).
        var nothingFound: Bool
        /// Offered because the photo was taken near them, before anything was asked.
        var nearPhoto = false
        var fields: [String: Any] { ["placeResults": places, "searchedPlaces": searched, "noPlaces": nothingFound, "nearPhoto": nearPhoto] }
    }

    /// The chosen place first (so it stays chosen), then what the search finds.
    private func search(_ form: Parameters, viewer: UserID?, takenAt: GeoPoint?) async throws -> Found {
        let locations = web.dependencies.storage.locations
        var places: [Location] = []
        let chosen = try form.id("location_id").map { LocationID($0) }
        if let chosen, let place = try await locations.find(chosen, viewer: viewer) { places.append(place) }
        let query = String((form.value("place_q") ?? "").trimmingSpaces().prefix(100))
        let point = try? form.point()
        var found: [Location]?
        var nearPhoto = false
        if !query.isEmpty {
            found = try await locations.search(named: query, near: point ?? takenAt, count: Self.resultCount, viewer: viewer)
        } else if let point, form.value("action") == "find_place" || form.value("place_q") != nil {
            found = try await locations.near(point, meters: Self.nearbyMeters, count: Self.resultCount, viewer: viewer).map(\.location)
        } else if let takenAt, point == nil {
            let near = try await locations.near(takenAt, meters: Self.nearbyMeters, count: Self.resultCount, viewer: viewer).map(\.location)
            (found, nearPhoto) = near.isEmpty ? (nil, false) : (near, true)
        }
        places += found ?? []
        var seen = Set<LocationID>()
        let rows = places.filter { $0.id.map { seen.insert($0).inserted } ?? false }.map { place -> [String: Any] in
            let detail = place.streetAddress.flatMap { $0.isEmpty ? nil : $0 } ?? String(format: "%.4f, %.4f", place.latitude, place.longitude)
            return [
                "id": place.id!.rawValue, "name": place.name.flatMap { $0.isEmpty ? nil : $0 } ?? "A place", "detail": detail,
                "checked": place.id == chosen,
            ]
        }
        return Found(places: rows, searched: found != nil && !nearPhoto, nothingFound: found?.isEmpty == true, nearPhoto: nearPhoto)
    }
}
