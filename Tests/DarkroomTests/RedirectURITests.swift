import DarkroomCore
import DarkroomStorage
import Foundation
import HummingbirdTesting
import Testing

/// `redirect_uri` as v1 matched it (reference §2.2), and exactly in a client's strict mode.
@Suite struct RedirectURITests {
    /// The reference's worked table: registered, sent, valid in v1's mode.
    static let table: [(String, String, Bool)] = [
        ("http://cb.com/", "http://cb.com/?a=b", true),
        ("http://cb.com/?this=that", "http://cb.com/", false),
        ("http://cb.com/?this=that", "http://cb.com/?this=that&another=true", true),
        ("http://cb.com/?this=that", "http://cb.com/?another=true&this=that", false),
        ("http://cb.com/callback", "http://cb.com/", false),
        ("http://cb.com/callback", "http://cb.com/callback/?type=mobile", true),
    ]

    /// What the OAuth 2.0 Security BCP warns of, sent for `http://cb.com/callback`: refused in both modes.
    static let attacks = [
        "http://cb.com@evil.example/callback", "http://evil@cb.com/callback", "http://evil.example/callback", "http://cb.com.evil.example/callback",
        "http://cb.com:8080/callback", "https://cb.com/callback", "http://cb.com/callback/../evil", "http://cb.com/callback/..%2Fevil",
        "http://cb.com/%63allback", "http://cb.com/callback%2F..%2Fevil", "http://cb.com/callback#evil", "http://cb.com/callback/",
        "http://cb.com/callbackx", "http://cb.com\\@evil.example/callback", "http://cb.com/callback?x=1#frag", " http://cb.com/callback",
        "http://cb.com/callback\t", "//cb.com/callback", "cb.com/callback",
    ]

    @Test func theReferenceTableInV1Mode() {
        for (registered, sent, valid) in Self.table {
            #expect(RedirectURI.matches(registered: registered, sent: sent, strict: false) == valid, "\(registered) → \(sent)")
            #expect(
                RedirectURI.matches(registered: registered, sent: sent, strict: true) == (registered == sent),
                "strict: \(registered) → \(sent)"
            )
        }
        #expect(RedirectURI.matches(registered: "http://cb.com/callback", sent: "http://cb.com/callback", strict: false))
        #expect(RedirectURI.matches(registered: "http://cb.com/callback", sent: "http://cb.com/callback?state=x", strict: false))
        #expect(RedirectURI.matches(registered: "myapp://auth", sent: "myapp://auth?x=1", strict: false))
    }

    @Test func theBCPAttacksAreRefusedInBothModes() {
        for sent in Self.attacks {
            for strict in [false, true] {
                #expect(!RedirectURI.matches(registered: "http://cb.com/callback", sent: sent, strict: strict), "\(sent) strict: \(strict)")
            }
        }
    }

    /// End to end: a URI with extra parameters reaches consent and comes back with the code; the exchange must then
    /// present that same URI. In strict mode the same URI is refused on our own page.
    @Test(arguments: Engine.available)
    func theExchangeNeedsTheURIUsedAtAuthorizeAndStrictClientsMatchExactly(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await OAuthTests.member(world, "ann")
            let registered = "http://cb.example/callback?app=1"
            let app = try await world.storage.clients.create(name: "App", redirectURIs: [registered])
            let strict = try await world.storage.clients.create(
                ClientStore.Settings(name: "Strict", redirectURIs: [registered], strictRedirectURI: true),
                ownerID: nil
            )
            try await world.withApp { client in
                let browser = Browser(client)
                _ = try await OAuthTests.logIn(browser, "ann")
                let sent = registered + "&from=mobile"
                func authorize(_ client: Client, _ uri: String) async throws -> Browser.Page {
                    try await browser.get("/oauth/authorize?client_id=\(client.clientID)&redirect_uri=\(Browser.encode(uri))&response_type=code")
                }
                #expect(try await authorize(app, sent).status == 200)
                let approved = try await browser.post(
                    "/oauth/authorize",
                    [
                        ("client_id", app.clientID), ("redirect_uri", sent), ("response_type", "code"), ("scope", "basic"), ("decision", "allow"),
                    ]
                )
                let location = try #require(approved.location)
                #expect(location.hasPrefix(sent + "&code="))
                let code = try #require(Browser.fields(of: location)["code"])
                let withRegistered = try await OAuthTests.exchange(client, OAuthTests.codeFields(app, code: code, redirect: registered))
                #expect(withRegistered.json.error == "invalid_grant", "the exchange must present the URI used at authorize")
                let again = try await browser.post(
                    "/oauth/authorize",
                    [
                        ("client_id", app.clientID), ("redirect_uri", sent), ("response_type", "code"), ("scope", "basic"), ("decision", "allow"),
                    ]
                )
                let againLocation = try #require(again.location)
                let freshCode = try #require(Browser.fields(of: againLocation)["code"])
                #expect(try await OAuthTests.exchange(client, OAuthTests.codeFields(app, code: freshCode, redirect: sent)).status == 200)

                let strictPage = try await authorize(strict, sent)
                #expect(strictPage.status == 400 && strictPage.location == nil)
                #expect(try await authorize(strict, registered).status == 200)
                for attack in ["http://cb.example@evil.example/callback?app=1", "http://cb.example/callback?app=1#x"] {
                    let page = try await authorize(app, attack)
                    #expect(page.status == 400 && page.location == nil, "\(attack)")
                }
            }
        }
    }
}
