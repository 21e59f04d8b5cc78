import DarkroomCore
import Foundation
import HummingbirdTesting
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// Changing and resetting a password on the pages, on both engines, with the mail read from the mail folder.
@Suite struct PasswordTests {
    typealias Mailbox = AccountEmailTests.Mailbox

    /// A member with a verified address, signed in on `browser`.
    static func verifiedMember(_ world: TestWorld, _ browser: Browser, _ username: String, email: String) async throws -> User {
        _ = try await AccountEmailTests.signUp(browser, username, email: email)
        let link = try #require(
            AccountEmailTests.link(in: try await Mailbox(world: world).deliver().first?.text ?? "", under: "/accounts/email/verify/")
        )
        try await browser.get(link)
        try await browser.post(link, [])
        return try #require(try await world.storage.users.find(username: username))
    }

    @Test(arguments: Engine.available)
    func changingAPasswordSignsOutOtherBrowsersAndAppsOnlyWhenAsked(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let mailbox = Mailbox(world: world)
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                let here = Browser(client)
                let ann = try await Self.verifiedMember(world, here, "ann", email: "ann@example.com")
                let elsewhere = Browser(client)
                _ = try await OAuthTests.logIn(elsewhere, "ann", password: "correct horse battery")
                let token = try await world.token(for: ann)

                try await here.get("/accounts/password")
                let wrong = try await here.post(
                    "/accounts/password",
                    [("current_password", "nope"), ("new_password", "a new long secret"), ("confirm_password", "a new long secret")]
                )
                #expect(wrong.status == 400 && wrong.body.contains("current password is not right"))
                let mismatch = try await here.post(
                    "/accounts/password",
                    [("current_password", "correct horse battery"), ("new_password", "a new long secret"), ("confirm_password", "another")]
                )
                #expect(mismatch.status == 400 && mismatch.body.contains("differ"))
                let weak = try await here.post(
                    "/accounts/password",
                    [("current_password", "correct horse battery"), ("new_password", "short"), ("confirm_password", "short")]
                )
                #expect(weak.status == 400)
                let changed = try await here.post(
                    "/accounts/password",
                    [("current_password", "correct horse battery"), ("new_password", "a new long secret"), ("confirm_password", "a new long secret")]
                )
                #expect(changed.status == 200 && changed.body.contains("Your password is changed"))

                // This browser stays; the other is signed out; the app keeps its token.
                #expect(try await here.get("/accounts/settings").status == 200)
                #expect(try await elsewhere.get("/accounts/settings").status == 303)
                #expect(try await client.get("/v1/users/self?access_token=\(token)").status == 200)
                #expect(try await world.storage.users.authenticate(username: "ann", password: "correct horse battery") == nil)
                #expect(try await world.storage.users.authenticate(username: "ann", password: "a new long secret") != nil)
                // The other browser had never signed in to ann before: she was told of it, and of the change.
                let notices = try await mailbox.deliver()
                #expect(Set(notices.map(\.subject)) == ["Darkroom: A new sign-in to your account", "Darkroom: Your password was changed"])
                #expect(notices.allSatisfy { $0.to == "ann@example.com" })
                // A browser that signed in to her before is no news.
                _ = try await OAuthTests.logIn(here, "ann", password: "a new long secret")
                #expect(try await mailbox.deliver().isEmpty)

                // Ticking "sign out apps too" revokes the token.
                try await here.get("/accounts/password")
                try await here.post(
                    "/accounts/password",
                    [
                        ("current_password", "a new long secret"), ("new_password", "a third long secret"),
                        ("confirm_password", "a third long secret"), ("sign_out_apps", "on"),
                    ]
                )
                #expect(try await client.get("/v1/users/self?access_token=\(token)").status == 400)
                let log = try await world.storage.securityLog.recent(of: ann.id).map(\.kind)
                #expect(log.filter { $0 == .passwordChanged }.count == 2 && log.contains(.appsSignedOut))
            }
        }
    }

    @Test(arguments: Engine.available)
    func aResetLinkNeverTellsWhetherAnAddressIsKnownAndWorksOnceWithinTheHour(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let mailbox = Mailbox(world: world)
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                let owner = Browser(client)
                let ann = try await Self.verifiedMember(world, owner, "ann", email: "ann@example.com")
                _ = try await AccountEmailTests.signUp(Browser(client), "unverified", email: "unverified@example.com")
                _ = try await mailbox.deliver()

                let stranger = Browser(client)
                try await stranger.get("/accounts/password/reset")
                @discardableResult func ask(_ address: String) async throws -> Browser.Page {
                    try await stranger.post("/accounts/password/reset", [("email", address)])
                }
                let known = try await ask("ANN@example.com")
                let unknown = try await ask("nobody@example.com")
                let unverified = try await ask("unverified@example.com")
                for page in [known, unknown, unverified] { #expect(page.status == 200 && page.body.contains("Check your email")) }
                #expect(
                    known.body.replacingOccurrences(of: "ANN@example.com", with: "X")
                        == unknown.body.replacingOccurrences(of: "nobody@example.com", with: "X")
                )
                #expect(try await ask("not an address").status == 400)

                let sent = try await mailbox.deliver()
                #expect(sent.map(\.to) == ["ann@example.com"], "only to a verified address")
                let link = try #require(AccountEmailTests.link(in: sent.first?.text ?? "", under: "/accounts/password/reset/"))

                // The link's page asks for the new password; a mismatch keeps the link usable.
                #expect(try await stranger.get(link).status == 200)
                let mismatch = try await stranger.post(link, [("new_password", "reset long secret"), ("confirm_password", "other")])
                #expect(mismatch.status == 400)
                let reset = try await stranger.post(link, [("new_password", "reset long secret"), ("confirm_password", "reset long secret")])
                #expect(reset.status == 200 && reset.body.contains("Your new password is set"))
                #expect(try await world.storage.users.authenticate(username: "ann", password: "reset long secret") != nil)
                #expect(try await owner.get("/accounts/settings").status == 303, "every session ends")
                #expect(
                    try await stranger.post(link, [("new_password", "again long secret"), ("confirm_password", "again long secret")]).status == 410
                )
                #expect(try await stranger.get(link).status == 410)
                #expect(try await mailbox.deliver().map(\.subject) == ["Darkroom: Your password was reset by email"])

                // A link sent before a password change is dead after it.
                try await ask("ann@example.com")
                let stale = try #require(
                    AccountEmailTests.link(in: try await mailbox.deliver().first?.text ?? "", under: "/accounts/password/reset/")
                )
                _ = try await OAuthTests.logIn(owner, "ann", password: "reset long secret")
                try await owner.get("/accounts/password")
                try await owner.post(
                    "/accounts/password",
                    [("current_password", "reset long secret"), ("new_password", "changed long secret"), ("confirm_password", "changed long secret")]
                )
                _ = try await mailbox.deliver()
                #expect(try await stranger.get(stale).status == 410)

                // And one not used within the hour.
                try await ask("ann@example.com")
                let late = try #require(AccountEmailTests.link(in: try await mailbox.deliver().first?.text ?? "", under: "/accounts/password/reset/"))
                world.clock.advance(seconds: 3601)
                #expect(
                    try await stranger.post(late, [("new_password", "late long secret"), ("confirm_password", "late long secret")]).status == 410
                )
                #expect(try await world.storage.users.authenticate(username: "ann", password: "changed long secret")?.id == ann.id)
            }
        }
    }

    @Test(arguments: Engine.available)
    func resetMailIsLimitedPerAddress(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let mailbox = Mailbox(world: world)
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                _ = try await Self.verifiedMember(world, Browser(client), "ann", email: "ann@example.com")
                let stranger = Browser(client)
                try await stranger.get("/accounts/password/reset")
                for _ in 0..<5 { #expect(try await stranger.post("/accounts/password/reset", [("email", "ann@example.com")]).status == 200) }
                #expect(try await mailbox.deliver().count == 3, "three an hour to one address; the page answers the same")
                world.clock.advance(seconds: 7200)
                try await stranger.post("/accounts/password/reset", [("email", "ann@example.com")])
                #expect(try await mailbox.deliver().count == 1)
            }
        }
    }

    @Test(arguments: Engine.available)
    func theSecurityPageListsBrowsersAndEndsThem(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                let here = Browser(client)
                _ = try await OAuthTests.member(world, "ann")
                _ = try await OAuthTests.logIn(here, "ann")
                let others = [Browser(client), Browser(client)]
                for other in others { _ = try await OAuthTests.logIn(other, "ann") }
                _ = try await OAuthTests.logIn(Browser(client), "ann", password: "wrong")

                let page = try await here.get("/accounts/security")
                #expect(page.status == 200 && page.body.components(separatedBy: "class=\"session\"").count - 1 == 3)
                #expect(page.body.contains("this browser") && page.body.contains("Wrong password given"))
                let handle = try #require(page.body.components(separatedBy: "name=\"session\" value=\"").dropFirst().first?.prefix(16))
                let ended = try await here.post("/accounts/security/sessions/end", [("session", String(handle))])
                #expect(ended.body.contains("Signed out 1 browser."))
                #expect(try await here.post("/accounts/security/sessions/end", [("session", "all")]).body.contains("Signed out 1 browser."))
                for other in others { #expect(try await other.get("/accounts/settings").status == 303) }
                #expect(try await here.get("/accounts/settings").status == 200)
                #expect(try await here.post("/accounts/security/sessions/end", [("session", "'; DROP TABLE web_sessions; --")]).status == 200)

                // Apps: listed, then all signed out at once.
                let ann = try #require(try await world.storage.users.find(username: "ann"))
                let token = try await world.token(for: ann)
                let withApp = try await here.get("/accounts/security")
                #expect(withApp.body.contains("test app") && withApp.body.contains("end-all-apps"))
                #expect(try await here.post("/accounts/security/apps/end", []).body.contains("Signed out 1 app."))
                #expect(try await client.get("/v1/users/self?access_token=\(token)").status == 400)
            }
        }
    }
}
