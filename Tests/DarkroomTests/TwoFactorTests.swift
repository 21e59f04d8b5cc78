import DarkroomCore
import Foundation
import HummingbirdTesting
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// Two-factor sign-in with an authenticator app: RFC 6238's own figures, setting it up from settings, and every way
/// in honouring it (the log-in page, the OAuth sign-in, the password grant), on both engines.
@Suite struct TwoFactorTests {
    @Test func codesAreRFC6238s() {
        // RFC 6238 appendix B, SHA-1, the last six of its eight digits.
        let secret = Array("12345678901234567890".utf8)
        for (seconds, code) in [(59, "287082"), (1_111_111_109, "081804"), (1_234_567_890, "005924"), (2_000_000_000, "279037")] {
            #expect(TOTP.code(secret: secret, step: TOTP.step(atSeconds: Int64(seconds))) == code)
        }
        #expect(TOTP.matchingStep(of: "287 082", secret: secret, atSeconds: 59 + 30) == 1, "a step behind is accepted")
        #expect(TOTP.matchingStep(of: "287082", secret: secret, atSeconds: 59 + 90) == nil, "three steps is too far")
        #expect(TOTP.matchingStep(of: "28708a", secret: secret, atSeconds: 59) == nil)
        #expect(Base32.encode(secret) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect(Base32.decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq") == secret)
        #expect(Base32.decode("GEZ1") == nil)
        let uri = TOTP.provisioningURI(secret: secret, account: "ann", issuer: "Darkroom (photos.example)")
        #expect(uri.hasPrefix("otpauth://totp/Darkroom%20%28photos.example%29:ann?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer="))
    }

    /// Turns two-factor on for the signed-in `browser`; answers the secret and the recovery codes.
    static func enable(_ browser: Browser, _ world: TestWorld) async throws -> (secret: [UInt8], codes: [String]) {
        try await browser.get("/accounts/two-factor")
        let setup = try await browser.post("/accounts/two-factor/setup", [])
        #expect(setup.status == 200 && setup.body.contains("<svg") && setup.body.contains("otpauth://totp/"))
        let shown = try #require(setup.body.components(separatedBy: "<code id=\"secret\">").dropFirst().first?.prefix { $0 != "<" })
        let secret = try #require(Base32.decode(String(shown)))
        let wrong = try await browser.post("/accounts/two-factor/confirm", [("code", "000000")])
        #expect(wrong.status == 400 && wrong.body.contains("not right"))
        let code = TOTP.code(secret: secret, step: TOTP.step(atSeconds: world.storage.environment.nowSeconds))
        let confirmed = try await browser.post("/accounts/two-factor/confirm", [("code", code)])
        #expect(confirmed.status == 200 && confirmed.body.contains("Two-factor sign-in is on"))
        let codes = confirmed.body.components(separatedBy: "<li><code>").dropFirst().map { String($0.prefix { $0 != "<" }) }
        #expect(codes.count == 10)
        // The set-up's own code is used: the next sign-in needs a later one.
        world.clock.advance(seconds: 30)
        return (secret, codes)
    }

    static func code(_ secret: [UInt8], _ world: TestWorld) -> String {
        TOTP.code(secret: secret, step: TOTP.step(atSeconds: world.storage.environment.nowSeconds))
    }

    @Test(arguments: Engine.available)
    func signingInAsksForACodeThatWorksOnceAndRecoveryCodesWorkOnce(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await OAuthTests.member(world, "ann")
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                let owner = Browser(client)
                _ = try await OAuthTests.logIn(owner, "ann")
                let (secret, codes) = try await Self.enable(owner, world)

                // The password alone leads to the code page, not in.
                let browser = Browser(client)
                let held = try await OAuthTests.logIn(browser, "ann", next: "/explore/")
                #expect(held.status == 303 && held.location == "/accounts/login/two-factor?next=%2Fexplore%2F")
                #expect(browser.cookies["darkroom_session"] == nil)
                #expect(try await browser.get("/accounts/settings").status == 303)
                let page = try await browser.get(held.location ?? "")
                #expect(page.status == 200 && page.body.contains("authenticator app"))
                let wrong = try await browser.post("/accounts/login/two-factor", [("code", "123456"), ("next", "/explore/")])
                #expect(wrong.status == 400)
                let code = Self.code(secret, world)
                let signedIn = try await browser.post("/accounts/login/two-factor", [("code", code), ("next", "/explore/")])
                #expect(signedIn.status == 303 && signedIn.location == "/explore/" && browser.cookies["darkroom_session"] != nil)

                // The same code a second time: refused, however soon.
                let replay = Browser(client)
                _ = try await OAuthTests.logIn(replay, "ann")
                try await replay.get("/accounts/login/two-factor")
                #expect(try await replay.post("/accounts/login/two-factor", [("code", code)]).status == 400)
                // A recovery code, in any case and without its dash, once.
                let recovery = codes[0].uppercased().replacingOccurrences(of: "-", with: "")
                #expect(try await replay.post("/accounts/login/two-factor", [("code", recovery)]).status == 303)
                let again = Browser(client)
                _ = try await OAuthTests.logIn(again, "ann")
                try await again.get("/accounts/login/two-factor")
                #expect(try await again.post("/accounts/login/two-factor", [("code", codes[0])]).status == 400)
                #expect(try await world.storage.twoFactor.status(of: try #require(owner.user(world))).recoveryCodesLeft == 9)

                // Without a held sign-in, the code page sends to the log-in page.
                #expect(
                    try await Browser(client).post("/accounts/login/two-factor", [("code", Self.code(secret, world))], withCSRF: false).status == 403
                )
                let stranger = Browser(client)
                try await stranger.get("/accounts/login")
                #expect(try await stranger.post("/accounts/login/two-factor", [("code", Self.code(secret, world))]).location == "/accounts/login")

                // Turning it off takes the password; then the password alone signs in.
                try await owner.get("/accounts/two-factor")
                #expect(try await owner.post("/accounts/two-factor/disable", [("password", "wrong")]).status == 400)
                #expect(try await owner.post("/accounts/two-factor/disable", [("password", "correct horse")]).body.contains("is off"))
                #expect(try await OAuthTests.logIn(Browser(client), "ann").location == "/")
            }
        }
    }

    @Test(arguments: Engine.available)
    func everyWayInHonoursIt(_ engine: Engine) async throws {
        try await OAuthTests.withSignedInBrowser(engine) { world, client, owner, app in
            let (secret, _) = try await Self.enable(owner, world)
            try await world.storage.database.execute("UPDATE clients SET trusted = 1 WHERE id = \(app.ref)")
            let passwordGrant = try await OAuthTests.exchange(
                client,
                [
                    ("client_id", app.clientID), ("client_secret", app.clientSecret), ("grant_type", "password"), ("username", "ann"),
                    ("password", "correct horse"),
                ]
            )
            #expect(passwordGrant.status == 400 && passwordGrant.json.accessToken == nil)
            #expect(passwordGrant.json.errorMessage?.contains("two-factor") == true)
            let wrongPassword = try await OAuthTests.exchange(
                client,
                [
                    ("client_id", app.clientID), ("client_secret", app.clientSecret), ("grant_type", "password"), ("username", "ann"),
                    ("password", "not it"),
                ]
            )
            #expect(wrongPassword.json.errorMessage?.contains("two-factor") == false, "a wrong password is told nothing of it")

            // "Sign in with Darkroom": the log-in page, the code, then consent.
            let browser = Browser(client)
            let authorize = RememberedConsentTests.authorize(app, scope: "likes")
            let toLogin = try #require(try await browser.get(authorize).location)
            let next = try #require(Browser.fields(of: toLogin)["next"])
            let held = try await OAuthTests.logIn(browser, "ann", next: next)
            #expect(held.location?.hasPrefix("/accounts/login/two-factor?next=") == true)
            try await browser.get(held.location ?? "")
            let passed = try await browser.post("/accounts/login/two-factor", [("code", Self.code(secret, world)), ("next", next)])
            #expect(passed.location == next)
            let consent = try await browser.get(next)
            #expect(consent.status == 200 && consent.body.contains("Like and unlike photos"))
        }
    }
}

extension Browser {
    /// The user this browser is signed in as.
    func user(_ world: TestWorld) async throws -> UserID? {
        guard let session = cookies["darkroom_session"] else { return nil }
        return try await world.storage.sessions.user(for: session)
    }
}
