import DarkroomCore
import DarkroomStorage
import Foundation
import HummingbirdTesting
import Testing

/// Locations and geo search: great-circle distances, the same answers on both engines, and bad input refused.
@Suite struct LocationsTests {
    static let civicCenter = GeoPoint(latitude: 37.7796, longitude: -122.4139)

    @Test(arguments: Engine.available)
    func locationsAndMediaAreFoundByDistanceNearestFirst(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let locations = world.storage.locations
            let here = try await locations.create(name: "Civic Center BART", at: Self.civicCenter, streetAddress: "1150 Market St")
            let near = try await locations.create(name: "City Hall", at: GeoPoint(latitude: 37.7793, longitude: -122.4193))  // ~480 m
            let far = try await locations.create(
                name: "Ferry Building",
                at: GeoPoint(latitude: 37.7955, longitude: -122.3937),
                foursquareV2ID: "4a9f"
            )
            let owner = try await world.user("owner")
            let hiddenOwner = try await world.user("hidden", isPrivate: true)
            let atHere = try await world.post(by: owner, at: here)
            let atFar = try await world.post(by: owner, at: far)
            try await world.post(by: hiddenOwner, at: here)
            let app = try await world.client()
            let auth = "client_id=\(app.clientID)"
            let lat = Self.civicCenter.latitude
            let lng = Self.civicCenter.longitude
            try await world.withApp { client in
                let one = try await client.get("/v1/locations/\(here.id!)?\(auth)")
                #expect(one.location?.name == "Civic Center BART")
                #expect(one.location?.latitude == 37.7796)
                #expect(one.location?.id == here.id!.description)
                #expect(try await client.get("/v1/locations/123?\(auth)").errorType == "APINotFoundError")

                #expect(try await client.get("/v1/locations/\(here.id!)/media/recent?\(auth)").ids == [atHere.description])

                let nearby = try await client.get("/v1/locations/search?lat=\(lat)&lng=\(lng)&\(auth)")
                #expect(nearby.locations.map(\.name) == ["Civic Center BART", "City Hall"])
                let wide = try await client.get("/v1/locations/search?lat=\(lat)&lng=\(lng)&distance=5000&\(auth)")
                #expect(wide.locations.map(\.id) == [here, near, far].map { $0.id!.description })
                let byFoursquare = try await client.get("/v1/locations/search?foursquare_v2_id=4a9f&\(auth)")
                #expect(byFoursquare.locations.map(\.name) == ["Ferry Building"])

                let media = try await client.get("/v1/media/search?lat=\(lat)&lng=\(lng)&distance=5000&\(auth)")
                #expect(media.ids == [atHere.description, atFar.description])
                let distances = media.mediaList.compactMap(\.distance)
                #expect(distances.count == 2 && distances[0] < 1 && abs(distances[1] - 2505.36) < 0.02)
                #expect(try await client.get("/v1/media/search?lat=\(lat)&lng=\(lng)&\(auth)").ids == [atHere.description])

                for bad in [
                    "lat=91&lng=0", "lat=0&lng=181", "lat=10", "lng=10", "lat=x&lng=1", "lat=0&lng=0&distance=5001",
                    "lat=0&lng=0&distance=-1", "lat=nan&lng=0",
                ] {
                    let response = try await client.get("/v1/locations/search?\(bad)&\(auth)")
                    #expect(response.status == 400 && response.errorType == "APIInvalidParametersError", "\(bad)")
                    #expect(try await client.get("/v1/media/search?\(bad)&\(auth)").status == 400, "\(bad)")
                }
                #expect(try await client.get("/v1/locations/search?\(auth)").status == 400)
                let now = world.clock.now / 1000
                let longWindow = "lat=\(lat)&lng=\(lng)&min_timestamp=\(now - 8 * 86_400)&max_timestamp=\(now)"
                #expect(try await client.get("/v1/media/search?\(longWindow)&\(auth)").errorType == "APIInvalidParametersError")
            }
        }
    }

    @Test func greatCircleDistancesMatchKnownValues() {
        let paris = GeoPoint(latitude: 48.8566, longitude: 2.3522)
        let london = GeoPoint(latitude: 51.5074, longitude: -0.1278)
        #expect(abs(paris.distance(to: london) - 343_556) < 500)
        let box = Self.civicCenter.boundingBox(meters: 1000)
        #expect(box.minLatitude < 37.7796 && box.maxLatitude > 37.7796 && box.maxLatitude - box.minLatitude < 0.02)
        let polar = GeoPoint(latitude: 89.99, longitude: 0).boundingBox(meters: 5000)
        #expect(polar.minLongitude == -180 && polar.maxLongitude == 180)
    }
}

/// A place a private account made by naming it in an upload is seen only through media the viewer may see there.
@Suite struct PrivatePlacesTests {
    @Test(arguments: Engine.available)
    func aPrivateAccountsPlaceIsSeenOnlyByWhoMaySeeItsMedia(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let homebody = try await world.user("homebody", isPrivate: true)
            let friend = try await world.user("friend")
            let stranger = try await world.user("stranger")
            try await world.storage.relationships.follow(friend.id, homebody.id)
            let home = GeoPoint(latitude: 48.8566, longitude: 2.3522)
            let place = try await world.storage.locations.findOrCreate(name: "Our flat, 3rd floor", at: home, by: homebody.id)
            let media = try await world.storage.mediaWriter.create(
                NewMedia(
                    owner: homebody.id,
                    locationID: place.id,
                    latitude: home.latitude,
                    longitude: home.longitude,
                    renditions: Renditions(key: "test/home", standard: 612, low: 306, thumbnail: 150)
                )
            )
            let gazetteer = try await world.storage.locations.create(name: "Hôtel de Ville", at: GeoPoint(latitude: 48.8567, longitude: 2.3523))
            let app = try await world.client()
            let tokens = (
                friend: try await world.token(for: friend), stranger: try await world.token(for: stranger),
                owner: try await world.token(for: homebody)
            )
            try await world.withApp { client in
                let near = "/v1/locations/search?lat=48.8566&lng=2.3522&distance=500"
                for (label, auth, sees) in [
                    ("anyone", "client_id=\(app.clientID)", false), ("stranger", "access_token=\(tokens.stranger)", false),
                    ("follower", "access_token=\(tokens.friend)", true), ("owner", "access_token=\(tokens.owner)", true),
                ] {
                    let found = try await client.get("\(near)&\(auth)").locations.compactMap(\.name)
                    #expect(found.contains("Our flat, 3rd floor") == sees, "search: \(label)")
                    #expect(found.contains("Hôtel de Ville"), "the gazetteer stays public: \(label)")
                    let byID = try await client.get("/v1/locations/\(place.id!)?\(auth)")
                    #expect((byID.code == 200) == sees, "by id: \(label)")
                    if !sees { #expect(byID.errorType == "APINotFoundError", "by id: \(label)") }
                    #expect(try await client.get("/v1/locations/\(gazetteer.id!)?\(auth)").code == 200)
                }
            }
            // Once its only media is gone, even the follower no longer finds it.
            _ = try await world.storage.mediaWriter.delete(media)
            #expect(try await world.storage.locations.find(place.id!, viewer: friend.id) == nil)
            // Another uploader naming the same spot makes a place of their own rather than finding the hidden one.
            let mine = try await world.storage.locations.findOrCreate(name: "Our flat, 3rd floor", at: home, by: stranger.id)
            #expect(mine.id != place.id)
        }
    }

    @Test(arguments: Engine.available)
    func placesAreFoundByTheStartOfTheirNameNearestFirst(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let locations = world.storage.locations
            let far = try await locations.create(name: "Harbour Café", at: GeoPoint(latitude: 51.5, longitude: -0.1))
            let near = try await locations.create(name: "harbour view", at: GeoPoint(latitude: 37.78, longitude: -122.41))
            _ = try await locations.create(name: "The Harbour", at: GeoPoint(latitude: 37.78, longitude: -122.41))
            _ = try await locations.create(name: "50% off_sale", at: GeoPoint(latitude: 1, longitude: 1))
            #expect(try await locations.search(named: "HARB", near: nil, count: 10, viewer: nil).map(\.id) == [far.id, near.id])
            #expect(
                try await locations.search(named: "harb", near: LocationsTests.civicCenter, count: 10, viewer: nil).map(\.id) == [near.id, far.id]
            )
            #expect(try await locations.search(named: "harbour c", near: nil, count: 10, viewer: nil).map(\.id) == [far.id])
            #expect(try await locations.search(named: "%", near: nil, count: 10, viewer: nil).isEmpty, "a wildcard is a character")
            #expect(try await locations.search(named: "50% o", near: nil, count: 10, viewer: nil).count == 1)
            #expect(try await locations.search(named: "", near: nil, count: 10, viewer: nil).isEmpty)
        }
    }
}
