import DarkroomCore
import Foundation
import HummingbirdTesting
import Logging
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// The pages people use, checked for what no browser test can cover exhaustively: every form's CSRF check, what
/// people write escaped everywhere, the same visibility as the API, embedding and the app links.
@Suite struct WebPagesTests {
    private static let hostile = "<script>alert(1)</script>\"'&"

    private static func signedIn(_ client: any TestClientProtocol, _ world: TestWorld, as username: String) async throws -> (Browser, User) {
        let browser = Browser(client)
        try await browser.get("/accounts/signup")
        let made = try await browser.post("/accounts/signup", [("username", username), ("password", "password-of-\(username)")])
        #expect(made.status == 303 && made.location == "/")
        return (browser, try #require(try await world.storage.users.find(username: username)))
    }

    @Test(arguments: Engine.available)
    func whatPeopleWriteIsEscapedOnEveryPage(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp { client in
                let (alice, aliceUser) = try await Self.signedIn(client, world, as: "alice")
                let (bob, _) = try await Self.signedIn(client, world, as: "bob")
                _ = try await alice.post(
                    "/accounts/settings",
                    [("full_name", Self.hostile), ("bio", Self.hostile), ("website", "http://example.com/?a=\"<x>")]
                )
                let place = try await world.storage.locations.create(name: Self.hostile, at: GeoPoint(latitude: 1, longitude: 2))
                world.clock.advance(seconds: 60)
                let media = try await world.storage.mediaWriter.create(
                    NewMedia(
                        owner: aliceUser.id,
                        caption: "\(Self.hostile) #tagged @bob",
                        locationID: place.id,
                        latitude: 1,
                        longitude: 2,
                        renditions: Renditions(key: "test/alice", standard: 612, low: 306, thumbnail: 150)
                    )
                )
                _ = try await bob.post("/p/\(Shortcode.encode(media))/comment", [("text", "nice \(Self.hostile)")])
                _ = try await bob.post(
                    "/reports",
                    [("kind", "media"), ("target", String(media.rawValue)), ("reason", "spam"), ("details", Self.hostile)]
                )
                try await world.storage.operators.setOperator(aliceUser.id, true)
                let code = Shortcode.encode(media)
                let pages = [
                    "/", "/alice/", "/p/\(code)/", "/explore/tags/tagged/", "/explore/locations/\(place.id!.rawValue)/",
                    "/explore/search?q=ali", "/explore/", "/admin", "/admin/users/alice", "/p/\(code)/embed/", "/accounts/settings",
                ]
                for path in pages {
                    for browser in [alice, bob] {
                        let page = try await browser.get(path)
                        guard page.status == 200 else { continue }
                        #expect(!page.body.contains("<script>alert"), "\(path) shows markup people wrote")
                        #expect(!page.body.contains("\"'&\""), "\(path)")
                    }
                }
                let photo = try await bob.get("/p/\(code)/")
                #expect(photo.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"))
                #expect(photo.body.contains("href=\"/explore/tags/tagged/\"") && photo.body.contains("href=\"/bob/\""), "tags and mentions link")
                let oembed = try await client.execute(uri: "/oembed?url=" + Parameters.encode("http://darkroom.test/p/\(code)/"), method: .get) { $0 }
                #expect(oembed.status == .ok && !String(buffer: oembed.body).contains("<script>alert"))
            }
        }
    }

    @Test(arguments: Engine.available)
    func everyFormRefusesAPostWithoutItsCSRFValue(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let target = try await world.user("target")
            let media = try await world.post(by: target)
            try await world.withApp { client in
                let (browser, _) = try await Self.signedIn(client, world, as: "alice")
                let code = Shortcode.encode(media)
                let forms = [
                    "/accounts/logout", "/accounts/settings", "/accounts/applications/revoke", "/accounts/export", "/accounts/delete",
                    "/developer/clients", "/developer/console/token", "/developer/console/sign", "/oauth/authorize", "/reports",
                    "/p/\(code)/like", "/p/\(code)/unlike", "/p/\(code)/comment", "/p/\(code)/comments/1/delete", "/p/\(code)/delete",
                    "/target/relationship", "/create", "/create/drafts/\(String(repeating: "a", count: 32))",
                    "/admin/reports/1", "/admin/users/target/suspend", "/admin/media/\(media.rawValue)/remove",
                ]
                for path in forms {
                    let refused = try await browser.post(
                        path,
                        [("action", "follow"), ("text", "hi"), ("reason", "x"), ("password", "password-of-alice")],
                        withCSRF: false
                    )
                    #expect(refused.status == 403, "\(path) took a form without its CSRF value")
                }
                #expect(
                    try await world.storage.relationships.relationship(
                        of: try #require(try await world.storage.users.find(username: "alice")).id,
                        to: target.id
                    ).outgoing == .none
                )
            }
        }
    }

    @Test(arguments: Engine.available)
    func pagesFollowTheSameVisibilityAsTheAPI(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let hidden = try await world.user("hidden", isPrivate: true)
            let secret = try await world.post(by: hidden, caption: "secret #quiet")
            let open = try await world.user("open")
            let shown = try await world.post(by: open, caption: "hello #loud")
            try await world.withApp { client in
                let (stranger, strangerUser) = try await Self.signedIn(client, world, as: "stranger")
                let (friend, friendUser) = try await Self.signedIn(client, world, as: "friend")
                try await world.storage.relationships.follow(friendUser.id, hidden.id)

                let header = try await stranger.get("/hidden/")
                #expect(header.status == 200 && header.body.contains("id=\"private-grid\"") && !header.body.contains("class=\"tile\""))
                #expect(try await friend.get("/hidden/").body.contains("class=\"tile\""))
                #expect(try await stranger.get("/p/\(Shortcode.encode(secret))/").status == 404)
                #expect(try await friend.get("/p/\(Shortcode.encode(secret))/").status == 200)
                #expect(try await stranger.get("/p/\(Shortcode.encode(secret))/likes/").status == 404, "who liked it is the photo's")
                #expect(try await friend.get("/p/\(Shortcode.encode(secret))/likes/").status == 200)
                #expect(!(try await stranger.get("/explore/tags/quiet/")).body.contains("class=\"tile\""))
                #expect(try await friend.get("/explore/tags/quiet/").body.contains("class=\"tile\""))
                #expect(try await stranger.get("/nobody-here/").status == 404)

                // A block hides both ways, as in the API; the blocker sees an unblock button.
                _ = try await stranger.post("/open/relationship", [("action", "block")])
                #expect(try await stranger.get("/open/").body.contains("id=\"unblock\""))
                #expect(try await world.storage.relationships.relationship(of: strangerUser.id, to: open.id).incoming == .blockedByYou)

                // Embedding: public only, for anyone; a v1 error otherwise.
                let embedCode = Shortcode.encode(shown)
                for (size, file) in [("t", "thumbnail"), ("m", "low"), ("l", "standard"), ("x", "low"), ("", "low")] {
                    let redirect = try await client.execute(uri: "/p/\(embedCode)/media/?size=\(size)", method: .get) { $0 }
                    #expect(redirect.status == .found && redirect.headers[.location]?.hasSuffix("/\(file).jpg") == true, "size \(size)")
                }
                let hiddenMedia = try await client.execute(uri: "/p/\(Shortcode.encode(secret))/media/", method: .get) { $0 }
                #expect(hiddenMedia.status == .notFound && String(buffer: hiddenMedia.body).contains("APINotFoundError"))
                for form in ["http://instagr.am/p/\(embedCode)/", "https://www.instagram.com/p/\(embedCode)", "http://darkroom.test/p/\(embedCode)/"]
                {
                    let answer = try await client.execute(uri: "/oembed?url=" + Parameters.encode(form), method: .get) { $0 }
                    #expect(answer.status == .ok, "\(form)")
                }
                #expect(
                    try await client.execute(uri: "/api/v1/oembed?url=" + Parameters.encode("http://instagr.am/p/\(embedCode)/"), method: .get) { $0 }
                        .status.code == 200
                )
                #expect(
                    try await client.execute(
                        uri: "/oembed?url=" + Parameters.encode("http://instagr.am/p/\(Shortcode.encode(secret))/"),
                        method: .get
                    ) { $0 }.status.code == 404
                )
                #expect(
                    try await client.execute(uri: "/oembed?url=" + Parameters.encode("http://evil.example/p/\(embedCode)/"), method: .get) { $0 }
                        .status.code == 400
                )
                #expect(try await client.execute(uri: "/oembed", method: .get) { $0 }.status.code == 400)
                let jsonp = try await client.execute(
                    uri: "/oembed?callback=show&url=" + Parameters.encode("http://instagr.am/p/\(embedCode)/"),
                    method: .get
                ) { $0 }
                #expect(String(buffer: jsonp.body).hasPrefix("/**/ show({"))
                let small = try await client.execute(
                    uri: "/oembed?maxwidth=200&url=" + Parameters.encode("http://instagr.am/p/\(embedCode)/"),
                    method: .get
                ) { $0 }
                #expect(String(buffer: small.body).contains("\"width\":150"))
                let embed = try await client.execute(uri: "/p/\(embedCode)/embed/", method: .get) { $0 }
                #expect(embed.status == .ok && embed.headers[.contentSecurityPolicy]?.contains("frame-ancestors *") == true)
                #expect(embed.headers[.xFrameOptions] == nil)
                let page = try await client.execute(uri: "/p/\(embedCode)/", method: .get) { $0 }
                #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true && page.headers[.xFrameOptions] == "DENY")
                #expect(page.headers[.contentSecurityPolicy]?.contains("script-src") == false, "no script on a page people use")
                #expect(try await client.execute(uri: "/p/\(Shortcode.encode(secret))/embed/", method: .get) { $0 }.status == .notFound)
            }
        }
    }

    @Test func appLinksOpenTheMatchingPages() throws {
        let cases: [(String, String)] = [
            ("darkroom://app", "/"), ("darkroom://camera", "/create"), ("instagram://media?id=123_456", "/p/\(Shortcode.encode(MediaID(123)))/"),
            ("darkroom://user?username=ada", "/ada/"), ("darkroom://location?id=42", "/explore/locations/42/"),
            ("instagram://tag?name=Sunset", "/explore/tags/sunset/"),
            ("instagram://library?AssetPath=assets-library%3A%2F%2Fasset&InstagramCaption=Hello%20there", "/create?caption=Hello%20there"),
        ]
        for (link, page) in cases {
            let components = try #require(URLComponents(string: link))
            let fields = Parameters(urlEncoded: Substring(components.percentEncodedQuery ?? ""))
            #expect(try HooksController.destination(try #require(components.host), fields) == page, "\(link)")
        }
        #expect(throws: WebError.self) { try HooksController.destination("media", Parameters(urlEncoded: "id=abc")) }
        #expect(throws: WebError.self) { try HooksController.destination("nothing", Parameters()) }
    }

    /// Templates escape every value; the only unescaped insertions are of fragments other templates rendered, named
    /// `…HTML` and of type `RenderedHTML`.
    @Test func templatesInsertOnlyRenderedFragmentsUnescaped() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/DarkroomAPI/Templates")
        let files = try #require(FileManager.default.enumerator(atPath: folder.path)).compactMap { $0 as? String }.filter {
            $0.hasSuffix(".mustache")
        }
        #expect(files.count > 20)
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            var rest = Substring(text)
            while let open = rest.range(of: "{{{") {
                let name = rest[open.upperBound...].prefix { $0 != "}" }
                #expect(name.hasSuffix("HTML"), "\(file) inserts {{{\(name)}}} unescaped")
                rest = rest[open.upperBound...]
            }
            #expect(!text.contains("{{&"), "\(file) uses the unescaped {{& form")
        }
    }

    @Test func everyEndpointIsDeclaredOnceAndServedByExactlyOneHandler() async throws {
        let keys = Endpoint.all.map(\.key)
        #expect(Set(keys).count == keys.count, "an endpoint listed twice in Endpoint.all")
        // Registered through `APIRoutes.add` only: the router serves exactly the declared endpoints under /v1.
        try await TestWorld.with(.sqlite) { world in
            let configuration = AppConfiguration(port: 0)
            let router = buildRouter(
                try makeDependencies(configuration: configuration, storage: world.storage, logger: Logger(label: "test")),
                configuration: configuration
            )
            let served = Set(
                router.routes.filter { $0.path.description.hasPrefix("/v1/") }.map { "\($0.method.rawValue) \($0.path.description.dropFirst(3))" }
            )
            // The API's own description is served beside the endpoints, not as one.
            let described = Set(Endpoint.all.map { "\($0.method.rawValue) \($0.displayPath)" })
            #expect(served.subtracting(["GET /openapi", "GET /openapi.yaml"]) == described)
        }
    }

    @Test(arguments: Engine.available)
    func reservedNamesCannotBeTaken(engine: Engine) async throws {
        for name in ["admin", "Explore", "p", "oembed", "alice.json"] {
            #expect(throws: DomainError.invalidInput(field: "username", reason: "\(name) is reserved; choose another")) {
                try Validation.username(name)
            }
        }
    }
}

/// The admin area's account search (issue 32, B4): an empty search listed nothing and redirected forever, and only an
/// exact username was found.
@Suite struct AdminAccountSearchTests {
    @Test(arguments: Engine.available)
    func emptyAndPartialSearchesListAccountsByPrefix(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            for name in ["ada", "adam_smith", "adalovelace", "grace", "a_b", "axb"] { try await world.user(name) }
            try await world.withApp { client in
                let browser = Browser(client)
                try await browser.get("/accounts/signup")
                #expect(try await browser.post("/accounts/signup", [("username", "boss"), ("password", "a long good passphrase")]).status == 303)
                let boss = try #require(try await world.storage.users.find(username: "boss"))
                try await world.storage.operators.setOperator(boss.id, true)

                let everyone = try await browser.get("/admin/users?username=")
                #expect(everyone.status == 200, "an empty search lists accounts, no redirect")
                for name in ["ada", "adam_smith", "grace", "boss"] { #expect(everyone.body.contains("/admin/users/\(name)\"")) }

                let partial = try await browser.get("/admin/users?username=AD")
                #expect(partial.status == 200)
                #expect(partial.body.contains("/admin/users/adam_smith\"") && partial.body.contains("/admin/users/adalovelace\""))
                #expect(!partial.body.contains("/admin/users/grace\""))

                let exact = try await browser.get("/admin/users?username=%40grace")
                #expect(exact.status == 303 && exact.location == "/admin/users/grace")

                // LIKE's wildcards are plain characters here.
                let underscore = try await browser.get("/admin/users?username=a_")
                #expect(underscore.body.contains("/admin/users/a_b\"") && !underscore.body.contains("/admin/users/axb\""))
                let none = try await browser.get("/admin/users?username=zz%25")
                #expect(none.status == 200 && none.body.contains("no-accounts"))
            }
        }
    }
}
