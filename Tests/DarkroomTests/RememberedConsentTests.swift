import DarkroomCore
import Foundation
import HummingbirdTesting
import Testing

@testable import DarkroomStorage

/// "Sign in with Darkroom" twice: consent is asked once, and the app gets the token it already holds back instead of
/// another; more scopes ask again, for the new ones only. On both engines.
@Suite struct RememberedConsentTests {
    static func authorize(_ app: Client, scope: String, type: String = "code") -> String {
        let redirect = Browser.encode(OAuthTests.callback)
        return "/oauth/authorize?client_id=\(app.clientID)&redirect_uri=\(redirect)&response_type=\(type)&scope=\(scope)&state=s1"
    }

    @Test(arguments: Engine.available)
    func anAppAlreadyAllowedGetsItsCodeAtOnceAndTheSameToken(_ engine: Engine) async throws {
        try await OAuthTests.withSignedInBrowser(engine) { world, client, browser, app in
            let first = try await browser.get(Self.authorize(app, scope: "likes"))
            #expect(first.status == 200 && first.body.contains("Like and unlike photos"), "the first time, the consent page")
            let code = try await OAuthTests.approvedCode(browser, app, scope: "basic likes")
            let token = try #require(try await OAuthTests.exchange(client, OAuthTests.codeFields(app, code: code)).json.accessToken)

            // Again: no page, a code straight back with the state, and the same token for it.
            let again = try await browser.get(Self.authorize(app, scope: "likes"))
            #expect(again.status == 303 && again.location?.hasPrefix(OAuthTests.callback + "?code=") == true)
            let fields = Browser.fields(of: again.location ?? "")
            #expect(fields["state"] == "s1")
            let secondCode = try #require(fields["code"])
            #expect(try await OAuthTests.exchange(client, OAuthTests.codeFields(app, code: secondCode)).json.accessToken == token)
            let live = try await world.storage.database.query("SELECT COUNT(*) FROM access_tokens WHERE revoked_at IS NULL").decodeFirst {
                try $0.int()
            }
            #expect(live == 1, "no second token piled up")

            // Fewer scopes than granted: still no page. More: the page, for the new one alone.
            #expect(try await browser.get(Self.authorize(app, scope: "basic")).status == 303)
            let more = try await browser.get(Self.authorize(app, scope: "likes+comments"))
            #expect(more.status == 200 && more.body.contains("Post and delete comments"))
            let asked = more.body.components(separatedBy: "id=\"granted\"")[0]
            #expect(!asked.contains("Like and unlike photos") && more.body.contains("You already let it"))
            let broader = try await OAuthTests.approvedCode(browser, app, scope: "basic comments likes")
            let wider = try #require(try await OAuthTests.exchange(client, OAuthTests.codeFields(app, code: broader)).json.accessToken)
            #expect(wider != token)
            #expect(try await client.get("/v1/users/self?access_token=\(token)").status == 200, "the narrower token still works")

            // The implicit flow hands back the live token too.
            let implicit = try await browser.get(Self.authorize(app, scope: "likes+comments", type: "token"))
            #expect(Browser.fields(of: implicit.location ?? "", fragment: true)["access_token"] == wider)

            // A replayed code revokes the token it was last handed out for.
            #expect(try await OAuthTests.exchange(client, OAuthTests.codeFields(app, code: secondCode)).status == 400)
            #expect(try await client.get("/v1/users/self?access_token=\(token)").status == 400)

            // Revoking the app forgets the consent: the page is back.
            try await browser.get("/accounts/applications")
            try await browser.post("/accounts/applications/revoke", [("client", app.clientID)])
            #expect(try await browser.get(Self.authorize(app, scope: "likes")).status == 200)
        }
    }
}
