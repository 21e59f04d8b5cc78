import DarkroomCore
import Foundation
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// Issue 32 item 7: every list page pages through by a stable cursor and a `rel="next"` link — profiles, tags, places,
/// explore, followers, who liked a photo, activity — and a walk by those links shows each item once and ends.
@Suite struct PaginationTests {
    /// Follows `rel="next"` from `path`, collecting what `pattern`'s first group matches on each page.
    static func walk(_ browser: Browser, from path: String, items pattern: String) async throws -> (items: [String], pages: Int) {
        let expression = try NSRegularExpression(pattern: pattern)
        let next = try NSRegularExpression(pattern: #"<a href="([^"]+)"[^>]*rel="next""#)
        var items: [String] = []
        var pages = 0
        var url: String? = path
        while let current = url, pages < 20 {
            let page = try await browser.get(current.replacingOccurrences(of: "&amp;", with: "&"))
            #expect(page.status == 200, "\(current)")
            pages += 1
            let body = page.body as NSString
            for match in expression.matches(in: page.body, range: NSRange(location: 0, length: body.length)) {
                items.append(body.substring(with: match.range(at: 1)))
            }
            url = next.firstMatch(in: page.body, range: NSRange(location: 0, length: body.length)).map { body.substring(with: $0.range(at: 1)) }
        }
        return (items, pages)
    }

    @Test(arguments: Engine.available)
    func everyListWalksByItsNextLinkOnceThrough(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let ann = try await world.user("ann")
            let place = try await storage.locations.create(name: "Pier", at: GeoPoint(latitude: 10, longitude: 20))
            var photos: [MediaID] = []
            for index in 0..<30 { photos.append(try await world.post(by: ann, caption: "walk \(index) #walk", at: place)) }
            var fans: [User] = []
            for index in 0..<60 {
                let fan = try await world.user("fan\(index)")
                try await storage.relationships.follow(fan.id, ann.id)
                try await storage.likes.like(photos[0], by: fan.id)
                fans.append(fan)
                world.clock.advance(seconds: 1)
            }
            let (posted, followers) = (photos, fans)
            let tile = #"<a href="(/p/[^"]+/)" class="tile">"#
            let person = #"<li><a href="/([^"/]+)/"><img class="avatar""#
            try await world.withApp { client in
                let visitor = Browser(client)
                let everyPhoto = Set(posted.map { "/p/\(Shortcode.encode($0))/" })
                for path in ["/ann/", "/explore/tags/walk/", "/explore/locations/\(place.id!.rawValue)/", "/explore/"] {
                    let walked = try await Self.walk(visitor, from: path, items: tile)
                    #expect(walked.items.count == 30 && Set(walked.items) == everyPhoto, "\(path): each photo once")
                    #expect(walked.pages == 2, "\(path): 24 a page")
                }
                let everyFan = Set(followers.map(\.username))
                for path in ["/ann/followers/", "/p/\(Shortcode.encode(posted[0]))/likes/"] {
                    let walked = try await Self.walk(visitor, from: path, items: person)
                    #expect(walked.items.count == 60 && Set(walked.items) == everyFan, "\(path): each person once")
                    #expect(walked.pages == 2, "\(path): 50 a page")
                }
            }
            // Activity: ann's sixty follows and sixty likes, walked by the same link.
            try await world.withApp { client in
                let browser = Browser(client)
                browser.cookies["darkroom_session"] = try await storage.sessions.start(for: ann.id)
                let walked = try await Self.walk(browser, from: "/accounts/activity", items: #"<li class="activity-item[^"]*" data-kind="(\w+)""#)
                #expect(walked.pages >= 2 && walked.pages < 20, "a hundred and twenty activities take pages, and the walk ends")
                #expect(Set(walked.items) == ["follow", "like"])
            }
        }
    }
}
