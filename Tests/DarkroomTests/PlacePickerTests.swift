import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// The posting page's place picker: a photo's own GPS position (read for this alone) brings the places near where it
/// was taken, and orders a name's matches; a draft is only its owner's.
@Suite struct PlacePickerTests {
    /// 51°30'26.34" N, 0°7'30" W: by the Thames in London.
    static let london = [
        "exif-ifd3-GPSLatitude": "51/1 30/1 2634/100", "exif-ifd3-GPSLatitudeRef": "N",
        "exif-ifd3-GPSLongitude": "0/1 7/1 3000/100", "exif-ifd3-GPSLongitudeRef": "W",
    ]

    @Test func aPhotosGPSPositionIsReadFromItsHeader() throws {
        let pipeline = try ImagePipeline()
        let photo = try SamplePhotos.fromCamera(width: 320, height: 240, fields: Self.london)
        let position = try #require(try pipeline.position(of: photo))
        #expect(abs(position.latitude - 51.50732) < 0.0001 && abs(position.longitude + 0.125) < 0.0001)
        #expect(try pipeline.position(of: try SyntheticPhoto.jpeg(width: 64, height: 64)) == nil)
    }

    @Test(arguments: Engine.available)
    func placesNearWhereThePhotoWasTakenAreOffered(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let ann = try await world.user("ann")
            let bob = try await world.user("bob")
            _ = try await storage.locations.create(name: "Westminster Pier", at: GeoPoint(latitude: 51.5015, longitude: -0.1235))
            _ = try await storage.locations.create(name: "Westminster Arvada", at: GeoPoint(latitude: 39.8367, longitude: -105.0372))
            _ = try await storage.locations.create(name: "Far Away", at: GeoPoint(latitude: 10, longitude: 10))
            let photo = try SamplePhotos.fromCamera(width: 320, height: 240, fields: Self.london)
            let drafts = PhotoDrafts(dataDirectory: storage.files.dataDirectory, environment: storage.environment)
            let token = try drafts.create(for: ann.id, photos: [photo], caption: "", previews: [])
            try await world.withApp { client in
                let browser = Browser(client)
                browser.cookies["darkroom_session"] = try await storage.sessions.start(for: ann.id)
                let page = try await browser.get("/create/drafts/\(token)")
                #expect(page.body.contains("Near where this photo was taken") && page.body.contains("Westminster Pier"))
                #expect(!page.body.contains("Far Away") && !page.body.contains("Arvada"))
                let named = try await browser.get("/create/places?place_q=westm&draft=\(token)")
                let pier = try #require(named.body.range(of: "Westminster Pier"))
                let arvada = try #require(named.body.range(of: "Westminster Arvada"))
                #expect(pier.lowerBound < arvada.lowerBound, "nearest the photo first")

                let other = Browser(client)
                other.cookies["darkroom_session"] = try await storage.sessions.start(for: bob.id)
                let theirs = try await other.get("/create/places?place_q=westm&draft=\(token)")
                let first = try #require(theirs.body.range(of: "Westminster"))
                #expect(theirs.body[first.lowerBound...].hasPrefix("Westminster Arvada"), "someone else's draft orders nothing")
            }
        }
    }
}
