import Crypto
import DarkroomAPI
import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import DarkroomStorage

/// Sign-up, log-in, the OAuth flows and their rules and scopes, through HTTP as a browser and an app would use them,
/// on both engines.
@Suite struct OAuthTests {
    static let callback = "http://app.example/callback"

    /// A user who can log in (a cheap bcrypt cost keeps the tests quick).
    static func member(_ world: TestWorld, _ username: String, password: String = "correct horse") async throws -> User {
        try await world.storage.users.create(
            NewUser(username: username, passwordHash: await PasswordHasher.hash(password, cost: 4), fullName: "Ann Member")
        )
    }

    static func logIn(_ browser: Browser, _ username: String, password: String = "correct horse", next: String = "") async throws -> Browser.Page {
        try await browser.get("/accounts/login")
        return try await browser.post("/accounts/login", [("username", username), ("password", password), ("next", next)])
    }

    static func exchange(_ client: any TestClientProtocol, _ fields: [(String, String)]) async throws -> (status: Int, json: WireTokenAnswer) {
        let body = fields.map { "\($0.0)=\(Browser.encode($0.1))" }.joined(separator: "&")
        // No Content-Type, as python-instagram sends it.
        return try await client.execute(uri: "/oauth/access_token", method: .post, body: ByteBuffer(string: body)) { response in
            (Int(response.status.code), try JSONDecoder().decode(WireTokenAnswer.self, from: Data(buffer: response.body)))
        }
    }

    @Test(arguments: Engine.available)
    func signUpLogInAndOut(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await Self.member(world, "Taken")
            try await world.withApp { client in
                let browser = Browser(client)
                let form = try await browser.get("/accounts/signup")
                #expect(form.status == 200 && !browser.csrf.isEmpty && browser.cookies["darkroom_csrf"] == browser.csrf)
                let forged = try await browser.post("/accounts/signup", [("username", "newbie"), ("password", "secret-pass")], withCSRF: false)
                #expect(forged.status == 403)
                for (username, problem) in [("taken", "taken"), ("bad name!", "letters"), (String(repeating: "a", count: 31), "30")] {
                    let refused = try await browser.post("/accounts/signup", [("username", username), ("password", "secret-pass")])
                    #expect(refused.status == 400 && refused.body.contains(problem), "\(username)")
                }
                let short = try await browser.post("/accounts/signup", [("username", "newbie"), ("password", "123")])
                #expect(short.status == 400)
                let made = try await browser.post(
                    "/accounts/signup",
                    [("username", "newbie"), ("full_name", "<script>alert(1)</script>"), ("password", "secret-pass")]
                )
                #expect(made.status == 303 && made.location == "/")
                let cookie = try #require(made.headers[values: .setCookie].first { $0.hasPrefix("darkroom_session=") })
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"))
                let settings = try await browser.get("/accounts/settings")
                #expect(settings.status == 200 && settings.body.contains("@newbie"))
                #expect(!settings.body.contains("<script>alert(1)</script>") && settings.body.contains("&lt;script&gt;"))
                let stored = try #require(try await world.storage.users.find(username: "newbie"))
                #expect(try await world.storage.users.authenticate(username: "NEWBIE", password: "secret-pass")?.id == stored.id)

                let out = try await browser.post("/accounts/logout", [])
                #expect(out.status == 303 && browser.cookies["darkroom_session"] == nil)
                #expect(try await browser.get("/accounts/settings").location?.hasPrefix("/accounts/login?next=") == true)
                let wrong = try await Self.logIn(browser, "newbie", password: "wrong-pass")
                #expect(wrong.status == 400 && wrong.body.contains("not right"))
                let again = try await Self.logIn(browser, "NewBie", password: "secret-pass", next: "//evil.example/")
                #expect(again.status == 303 && again.location == "/", "an off-site next is ignored")
            }
        }
    }

    /// `next` after log-in is read as a browser reads a Location: whatever would reach another site goes to settings.
    @Test(arguments: Engine.available)
    func logInNeverRedirectsOffSite(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await Self.member(world, "ann")
            try await world.withApp { client in
                let offSite = [
                    "//evil.example/", "/\\evil.example/", "\\\\evil.example/", "http://evil.example/", "https:evil.example",
                    "javascript:alert(1)", "%2F%2Fevil.example/", "/\t/evil.example/", "/\n/evil.example/", "/\r/evil.example/",
                    "/\r\n/evil.example/", "\t//evil.example/", "/\u{0C}/evil.example/", "/\u{0B}/evil.example/", " //evil.example/",
                    "/\u{0C}evil", "",
                ]
                for next in offSite {
                    let browser = Browser(client)
                    let page = try await Self.logIn(browser, "ann", next: next)
                    #expect(page.status == 303 && page.location == "/", "next=\(next.debugDescription)")
                }
                for (next, expected) in [
                    ("/p/abc/?x=1", "/p/abc/?x=1"), ("/oauth/authorize?client_id=a&b=c", "/oauth/authorize?client_id=a&b=c"),
                    ("/a\\b", "/a/b"), (" /accounts/applications", "/accounts/applications"),
                ] {
                    let browser = Browser(client)
                    let page = try await Self.logIn(browser, "ann", next: next)
                    #expect(page.location == expected, "next=\(next.debugDescription)")
                }
            }
        }
    }

    @Test(arguments: Engine.available)
    func serverSideFlowLogsInAsksConsentAndRedirectsWithACode(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await Self.member(world, "ann")
            let app = try await world.storage.clients.create(name: "Photo <Printer>", redirectURIs: [Self.callback])
            try await world.withApp { client in
                let browser = Browser(client)
                let authorize =
                    """
                    /oauth/authorize/?client_id=\(app.clientID)&redirect_uri=\(Browser.encode(Self.callback))\
                    &response_type=code&scope=likes+comments&state=xyz
                    """
                let toLogin = try await browser.get(authorize)
                let loginURL = try #require(toLogin.location)
                #expect(loginURL.hasPrefix("/accounts/login?next="))
                let next = try #require(Browser.fields(of: loginURL)["next"])
                let back = try await Self.logIn(browser, "ann", next: next)
                #expect(back.location == next)
                let consent = try await browser.get(try #require(back.location))
                #expect(consent.status == 200 && consent.body.contains("Photo &lt;Printer&gt;"))
                #expect(consent.body.contains("Like and unlike photos") && consent.body.contains("Post and delete comments"))
                #expect(!consent.body.contains("Follow and unfollow"))
                let approved = try await browser.post(
                    "/oauth/authorize",
                    Self.consentFields(app, scope: "basic comments likes", state: "xyz") + [("decision", "allow")]
                )
                let redirect = try #require(approved.location)
                #expect(approved.status == 303 && redirect.hasPrefix(Self.callback + "?code="))
                let fields = Browser.fields(of: redirect)
                #expect(fields["state"] == "xyz")
                #expect(fields["code"]?.isEmpty == false)
            }
        }
    }

    /// A signed-in person's approval of `app`, answering the code it sends back.
    static func approvedCode(_ browser: Browser, _ app: Client, scope: String = "basic comments likes") async throws -> String {
        let approved = try await browser.post("/oauth/authorize", consentFields(app, scope: scope, state: "xyz") + [("decision", "allow")])
        let location = try #require(approved.location)
        return try #require(Browser.fields(of: location)["code"])
    }

    /// A registered app and a browser signed in as ann, in a fresh world on `engine`.
    static func withSignedInBrowser(
        _ engine: Engine,
        _ body: @escaping @Sendable (TestWorld, any TestClientProtocol, Browser, Client) async throws -> Void
    ) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await Self.member(world, "ann")
            let app = try await world.storage.clients.create(name: "Photo Printer", redirectURIs: [Self.callback])
            try await world.withApp { client in
                let browser = Browser(client)
                _ = try await Self.logIn(browser, "ann")
                try await body(world, client, browser, app)
            }
        }
    }

    @Test(arguments: Engine.available)
    func aCodeIsExchangedOnlyWithItsRedirectURIAndSecretForAScopedToken(_ engine: Engine) async throws {
        try await Self.withSignedInBrowser(engine) { world, client, browser, app in
            let wrongURI = try await Self.exchange(
                client,
                Self.codeFields(app, code: try await Self.approvedCode(browser, app), redirect: "http://app.example/other")
            )
            #expect(wrongURI.status == 400 && wrongURI.json.error == "invalid_grant")
            // That attempt used the code up; a fresh one for the rest.
            let freshCode = try await Self.approvedCode(browser, app)
            let badSecret = try await Self.exchange(client, Self.codeFields(app, code: freshCode, secret: "0000"))
            #expect(badSecret.status == 400 && badSecret.json.errorType == "OAuthException" && badSecret.json.error == "invalid_client")
            let exchanged = try await Self.exchange(client, Self.codeFields(app, code: freshCode))
            #expect(exchanged.status == 200, "\(exchanged.json)")
            let token = try #require(exchanged.json.accessToken)
            #expect(exchanged.json.user?.username == "ann")
            #expect(exchanged.json.meta == nil, "no envelope on the token endpoint")
            let me = try await client.get("/v1/users/self?access_token=\(token)")
            #expect(me.code == 200 && me.user?.username == "ann")
            let follow = try await client.post(
                "/v1/users/\(try #require(me.user?.id))/relationship?access_token=\(token)",
                form: ["action": "follow"]
            )
            #expect(follow.errorType == "OAuthPermissionsException", "relationships was not granted")
        }
    }

    @Test(arguments: Engine.available)
    func aReplayedCodeIsRefusedAndRevokesItsToken(_ engine: Engine) async throws {
        try await Self.withSignedInBrowser(engine) { world, client, browser, app in
            let code = try await Self.approvedCode(browser, app)
            let first = try await Self.exchange(client, Self.codeFields(app, code: code))
            let token = try #require(first.json.accessToken)
            #expect(try await client.get("/v1/users/self?access_token=\(token)").code == 200)
            let replay = try await Self.exchange(client, Self.codeFields(app, code: code))
            #expect(replay.status == 400 && replay.json.errorMessage == "Matching code was not found or was already used.")
            #expect(try await client.get("/v1/users/self?access_token=\(token)").errorType == "OAuthAccessTokenException")
        }
    }

    @Test(arguments: Engine.available)
    func codesLastTenMinutes(_ engine: Engine) async throws {
        try await Self.withSignedInBrowser(engine) { world, client, browser, app in
            let lateCode = try await Self.approvedCode(browser, app, scope: "basic")
            world.clock.advance(seconds: 601)
            #expect(try await Self.exchange(client, Self.codeFields(app, code: lateCode)).json.error == "invalid_grant")
            let inTime = try await Self.approvedCode(browser, app, scope: "basic")
            world.clock.advance(seconds: 599)
            #expect(try await Self.exchange(client, Self.codeFields(app, code: inTime)).status == 200)
        }
    }

    @Test(arguments: Engine.available)
    func authorizeRefusesBadRequestsTheRightWay(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await Self.member(world, "ann")
            let app = try await world.storage.clients.create(name: "App", redirectURIs: [Self.callback])
            let noImplicit = try await world.storage.clients.create(
                ClientStore.Settings(name: "Server only", redirectURIs: [Self.callback], disableImplicit: true),
                ownerID: nil
            )
            try await world.withApp { client in
                let browser = Browser(client)
                _ = try await Self.logIn(browser, "ann")
                func authorize(_ query: String) async throws -> Browser.Page { try await browser.get("/oauth/authorize?" + query) }
                let callback = Browser.encode(Self.callback)
                // A stranger (not signed in) is never sent to a client's URI, whatever is wrong: anyone can register one.
                let stranger = Browser(client)
                for query in [
                    "client_id=\(app.clientID)&redirect_uri=\(callback)&response_type=magic",
                    "client_id=\(app.clientID)&redirect_uri=\(callback)&response_type=code&scope=likes+teleport&state=s",
                    "client_id=\(noImplicit.clientID)&redirect_uri=\(callback)&response_type=token",
                ] {
                    let page = try await stranger.get("/oauth/authorize?" + query)
                    #expect(page.status == 400 && page.location == nil, "\(query)")
                }
                // Never redirected anywhere unregistered: an error page of our own.
                for query in [
                    "client_id=\(app.clientID)&redirect_uri=\(Browser.encode("http://evil.example/cb"))&response_type=code",
                    "client_id=\(app.clientID)&redirect_uri=\(Browser.encode(Self.callback + "/"))&response_type=code",
                    "client_id=nope&redirect_uri=\(callback)&response_type=code", "redirect_uri=\(callback)&response_type=code",
                ] {
                    let page = try await authorize(query)
                    #expect(page.status == 400 && page.location == nil, "\(query)")
                }
                let badScope = try await authorize(
                    "client_id=\(app.clientID)&redirect_uri=\(callback)&response_type=code&scope=likes+teleport&state=s"
                )
                #expect(Browser.fields(of: try #require(badScope.location))["error"] == "invalid_scope")
                #expect(Browser.fields(of: badScope.location!)["state"] == "s")
                let badType = try await authorize("client_id=\(app.clientID)&redirect_uri=\(callback)&response_type=magic")
                #expect(Browser.fields(of: try #require(badType.location))["error"] == "unsupported_response_type")
                let implicitOff = try await authorize("client_id=\(noImplicit.clientID)&redirect_uri=\(callback)&response_type=token")
                #expect(Browser.fields(of: try #require(implicitOff.location), fragment: true)["error"] == "unsupported_response_type")

                let denied = try await browser.post("/oauth/authorize", Self.consentFields(app, scope: "basic", state: "s1") + [("decision", "deny")])
                let deniedFields = Browser.fields(of: try #require(denied.location))
                #expect(deniedFields["error"] == "access_denied" && deniedFields["error_reason"] == "user_denied")
                #expect(deniedFields["error_description"] == "The user denied your request" && deniedFields["state"] == "s1")

                let forged = try await browser.post(
                    "/oauth/authorize",
                    Self.consentFields(app, scope: "basic", state: nil) + [("decision", "allow")],
                    withCSRF: false
                )
                #expect(forged.status == 403 && forged.location == nil)

                // The client-side flow: the token comes back in the fragment.
                let implicit = try await browser.post(
                    "/oauth/authorize",
                    [
                        ("client_id", app.clientID), ("redirect_uri", Self.callback), ("response_type", "token"), ("scope", "basic likes"),
                        ("state", "s2"), ("decision", "allow"),
                    ]
                )
                let fragment = Browser.fields(of: try #require(implicit.location), fragment: true)
                let token = try #require(fragment["access_token"])
                #expect(fragment["state"] == "s2" && implicit.location!.hasPrefix(Self.callback + "#"))
                #expect(try await client.get("/v1/users/self?access_token=\(token)").code == 200)
            }
        }
    }

    /// Only the code's own client and redirect URI can use it up; a replay by its client revokes what it gave; of two
    /// racing exchanges exactly one wins, and then loses its token to the replay.
    @Test(arguments: Engine.available)
    func codesAnswerOnlyToTheirClient(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await Self.member(world, "ann")
            let app = try await world.storage.clients.create(name: "App", redirectURIs: [Self.callback])
            let thief = try await world.storage.clients.create(name: "Thief", redirectURIs: [Self.callback])
            try await world.withApp { client in
                let browser = Browser(client)
                _ = try await Self.logIn(browser, "ann")
                func code(state: String? = nil) async throws -> String {
                    let page = try await browser.post(
                        "/oauth/authorize",
                        Self.consentFields(app, scope: "basic", state: state) + [("decision", "allow")]
                    )
                    let location = try #require(page.location)
                    return try #require(Browser.fields(of: location)["code"])
                }
                let first = try await code()
                #expect(try await Self.exchange(client, Self.codeFields(thief, code: first)).json.error == "invalid_grant")
                let verifierWithoutChallenge = try await Self.exchange(
                    client,
                    Self.codeFields(app, code: first) + [("code_verifier", String(repeating: "v", count: 50))]
                )
                #expect(verifierWithoutChallenge.json.error == "invalid_grant")
                let real = try await Self.exchange(client, Self.codeFields(app, code: first))
                let token = try #require(real.json.accessToken, "the thief's attempts did not use the code up")
                #expect(try await Self.exchange(client, Self.codeFields(thief, code: first)).status == 400)
                #expect(try await client.get("/v1/users/self?access_token=\(token)").code == 200, "another client's replay revokes nothing")

                let raced = try await code()
                let results = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            let result = try await Self.exchange(client, Self.codeFields(app, code: raced))
                            return (result.status, result.json.accessToken)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(results.filter { $0.0 == 200 }.count == 1 && results.filter { $0.0 == 400 }.count == 1)
                let winner = try #require(results.compactMap(\.1).first)
                #expect(try await client.get("/v1/users/self?access_token=\(winner)").errorType == "OAuthAccessTokenException")

                let unicodeState = String(repeating: "é✓ &=#", count: 300)
                let echoed = try await browser.post(
                    "/oauth/authorize",
                    Self.consentFields(app, scope: "basic", state: unicodeState) + [("decision", "deny")]
                )
                #expect(Browser.fields(of: try #require(echoed.location))["state"] == unicodeState)
            }
        }
    }

    @Test(arguments: Engine.available)
    func pkceIsEnforcedWhenTheRequestCarriedAChallenge(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await Self.member(world, "ann")
            let app = try await world.storage.clients.create(name: "App", redirectURIs: [Self.callback])
            try await world.withApp { client in
                let browser = Browser(client)
                _ = try await Self.logIn(browser, "ann")
                let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
                let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  // RFC 7636 appendix B
                func code() async throws -> String {
                    let page = try await browser.post(
                        "/oauth/authorize",
                        Self.consentFields(app, scope: "basic", state: nil) + [
                            ("code_challenge", challenge), ("code_challenge_method", "S256"), ("decision", "allow"),
                        ]
                    )
                    let location = try #require(page.location)
                    return try #require(Browser.fields(of: location)["code"])
                }
                #expect(try await Self.exchange(client, Self.codeFields(app, code: code())).json.error == "invalid_grant")
                let wrong = try await Self.exchange(
                    client,
                    Self.codeFields(app, code: code()) + [("code_verifier", String(repeating: "a", count: 43))]
                )
                #expect(wrong.json.error == "invalid_grant")
                let right = try await Self.exchange(client, Self.codeFields(app, code: code()) + [("code_verifier", verifier)])
                #expect(right.status == 200 && right.json.accessToken != nil)
                let plain = try await browser.get(
                    """
                    /oauth/authorize?client_id=\(app.clientID)&redirect_uri=\(Browser.encode(Self.callback))\
                    &response_type=code&code_challenge=\(challenge)&code_challenge_method=plain
                    """
                )
                #expect(Browser.fields(of: try #require(plain.location))["error"] == "invalid_request")
            }
        }
    }

    @Test(arguments: Engine.available)
    func passwordGrantOnlyForTrustedClients(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await Self.member(world, "ann")
            let trusted = try await world.storage.clients.create(name: "First party", redirectURIs: [Self.callback], trusted: true)
            let other = try await world.storage.clients.create(name: "Third party", redirectURIs: [Self.callback])
            try await world.withApp { client in
                func grant(_ app: Client, password: String, scope: String = "basic likes") async throws -> (status: Int, json: WireTokenAnswer) {
                    try await Self.exchange(
                        client,
                        [
                            ("client_id", app.clientID), ("client_secret", app.clientSecret), ("grant_type", "password"), ("username", "ann"),
                            ("password", password), ("scope", scope), ("redirect_uri", Self.callback),
                        ]
                    )
                }
                let ok = try await grant(trusted, password: "correct horse")
                #expect(ok.status == 200 && ok.json.user?.username == "ann")
                #expect(try await grant(other, password: "correct horse").json.error == "unauthorized_client")
                #expect(try await grant(trusted, password: "wrong horse").json.error == "invalid_grant")
                #expect(try await grant(trusted, password: "correct horse", scope: "basic sudo").json.error == "invalid_scope")
                let unknownGrant = try await Self.exchange(
                    client,
                    [("client_id", trusted.clientID), ("client_secret", trusted.clientSecret), ("grant_type", "magic")]
                )
                #expect(unknownGrant.json.error == "unsupported_grant_type" && unknownGrant.json.code == 400)
                // Password guessing from one address stops after 25 failures in five minutes, on both ways in.
                for _ in 0..<24 { _ = try await grant(trusted, password: "guess") }
                let blocked = try await grant(trusted, password: "correct horse")
                #expect(blocked.status == 429 && blocked.json.errorType == "OAuthRateLimitException")
                let page = try await Self.logIn(Browser(client), "ann")
                #expect(page.status == 429)
            }
            // Counted in the database: another server process refuses that address too, until the failures age out.
            try await world.withApp { other in
                let blocked = try await Self.exchange(
                    other,
                    [
                        ("client_id", trusted.clientID), ("client_secret", trusted.clientSecret), ("grant_type", "password"), ("username", "ann"),
                        ("password", "correct horse"),
                    ]
                )
                #expect(blocked.status == 429)
                world.clock.advance(seconds: 301)
                let later = try await Self.exchange(
                    other,
                    [
                        ("client_id", trusted.clientID), ("client_secret", trusted.clientSecret), ("grant_type", "password"), ("username", "ann"),
                        ("password", "correct horse"),
                    ]
                )
                #expect(later.status == 200)
            }
        }
    }

    static func consentFields(_ app: Client, scope: String, state: String?) -> [(String, String)] {
        [("client_id", app.clientID), ("redirect_uri", callback), ("response_type", "code"), ("scope", scope)] + (state.map { [("state", $0)] } ?? [])
    }

    static func codeFields(_ app: Client, code: String, redirect: String = callback, secret: String? = nil) -> [(String, String)] {
        [
            ("client_id", app.clientID), ("client_secret", secret ?? app.clientSecret), ("grant_type", "authorization_code"),
            ("redirect_uri", redirect), ("code", code),
        ]
    }
}

extension HTTPField.Name {
    static let instaForwardedForTest = Self("X-Insta-Forwarded-For")!
    static let rateLimitLimitTest = Self("X-Ratelimit-Limit")!
    static let rateLimitRemainingTest = Self("X-Ratelimit-Remaining")!
}
