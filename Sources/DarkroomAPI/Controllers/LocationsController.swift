import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/v1/locations/{location-id}`, `/v1/locations/{location-id}/media/recent` and `/v1/locations/search`.
struct LocationsController {
    let dependencies: Dependencies

    func addRoutes(to api: APIRoutes) {
        api.add(.locationSearch, search)
        api.add(.location, location)
        api.add(.locationRecentMedia, recentMedia)
    }

    /// GET /locations/{location-id}
    @Sendable func location(_ request: APIRequest) async throws -> Response {
        let location = try await find(request)
        return Envelope.success { LocationSerializer().location(location, into: &$0) }
    }

    /// GET /locations/{location-id}/media/recent (count, min_id, max_id, min_timestamp, max_timestamp)
    @Sendable func recentMedia(_ request: APIRequest) async throws -> Response {
        let location = try await find(request)
        let page = try request.parameters.mediaPage(timeBounds: true)
        let storage = dependencies.storage
        let ids = try await storage.locations.recentMedia(at: location.id!, page: page, viewer: request.viewer)
        let pageIDs = Array(ids.prefix(page.count))
        let next = ids.count > page.count ? pageIDs.last?.description : nil
        let stamps = try await storage.media.stamps(pageIDs, viewer: request.viewer)
        return try await dependencies.mediaResponses.list(stamps, pagination: request.mediaPagination(next), for: request)
    }

    /// GET /locations/search — by lat/lng and distance (nearest first), or by a Foursquare or Facebook Places id.
    @Sendable func search(_ request: APIRequest) async throws -> Response {
        let parameters = request.parameters
        let locations = dependencies.storage.locations
        var found: [Location]
        if let point = try parameters.point() {
            found = try await locations.near(point, meters: parameters.distance(), count: parameters.count(), viewer: request.viewer).map(\.location)
        } else if let (kind, value) = Self.externalID(parameters) {
            found = try await locations.find(external: kind, value, viewer: request.viewer)
        } else {
            throw APIError.missingParameter("lat and lng, or foursquare_v2_id, foursquare_id or facebook_places_id")
        }
        found = Array(found.prefix(try parameters.count()))
        return Envelope.success { writer in writer.array(found) { LocationSerializer().location($1, into: &$0) } }
    }

    private static func externalID(_ parameters: Parameters) -> (LocationStore.ExternalID, String)? {
        for kind in [LocationStore.ExternalID.foursquareV2, .foursquare, .facebookPlaces] {
            if let value = parameters.value(kind.rawValue), !value.isEmpty { return (kind, value) }
        }
        return nil
    }

    private func find(_ request: APIRequest) async throws -> Location {
        guard let id = LocationID(decimal: request.pathParameters["location_id"] ?? ""),
            let location = try await dependencies.storage.locations.find(id, viewer: request.viewer)
        else { throw APIError.notFound("invalid location id") }
        return location
    }
}
