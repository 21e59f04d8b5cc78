import DarkroomCore
import Foundation
import HummingbirdTesting
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// Who may sign up, as operators set it: approval, invitations, closed, blocked email domains; on both engines.
@Suite struct SignupModesTests {
    typealias Mailbox = AccountEmailTests.Mailbox

    static func operatorBrowser(_ world: TestWorld, _ client: any TestClientProtocol) async throws -> Browser {
        let admin = try await OAuthTests.member(world, "admin")
        try await world.storage.operators.setOperator(admin.id, true)
        let browser = Browser(client)
        _ = try await OAuthTests.logIn(browser, "admin")
        return browser
    }

    static func ask(_ browser: Browser, _ username: String, reason: String, path: String = "/accounts/signup") async throws -> Browser.Page {
        try await browser.get(path)
        // What the form's hidden field carries over from the invitation link.
        let invite = Browser.fields(of: path)["invite"].map { [("invite", $0)] } ?? []
        return try await browser.post(
            "/accounts/signup",
            [("username", username), ("password", "a long enough secret"), ("email", "\(username)@example.com"), ("reason", reason)] + invite
        )
    }

    @Test(arguments: Engine.available)
    func approvalModeHoldsAccountsUntilAnOperatorDecides(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let mailbox = Mailbox(world: world)
            try await world.withApp(configure: {
                $0.runsJobs = false
                $0.signups = SignupPolicy(mode: .approval)
            }) { client in
                let person = Browser(client)
                let form = try await person.get("/accounts/signup")
                #expect(form.body.contains("id=\"reason\"") && form.body.contains("Ask to join"))
                #expect(try await Self.ask(person, "newbie", reason: "  ").status == 400)
                let asked = try await Self.ask(person, "newbie", reason: "I photograph <b>birds</b>")
                #expect(asked.status == 200 && asked.body.contains("waiting for an operator"))
                #expect(person.cookies["darkroom_session"] == nil)
                #expect(try await Browser(client).get("/newbie/").status == 404, "a held account shows nowhere")
                let early = try await OAuthTests.logIn(Browser(client), "newbie", password: "a long enough secret")
                #expect(early.status == 403 && early.body.contains("waiting for an operator"))
                let guess = try await OAuthTests.logIn(Browser(client), "newbie", password: "a wrong guess")
                #expect(guess.status == 400 && !guess.body.contains("waiting"), "only the password's owner is told")
                _ = try await Self.ask(Browser(client), "other", reason: "spam spam")

                _ = try await OAuthTests.member(world, "member")
                let member = Browser(client)
                _ = try await OAuthTests.logIn(member, "member")
                #expect(try await member.get("/admin/signups").status == 404, "operators only")
                let admin = try await Self.operatorBrowser(world, client)
                let queue = try await admin.get("/admin/signups")
                #expect(queue.body.contains("@newbie") && queue.body.contains("I photograph &lt;b&gt;birds&lt;/b&gt;"))
                let newbie = try #require(try await world.storage.signups.requests().first { $0.username == "newbie" })
                let other = try #require(try await world.storage.signups.requests().first { $0.username == "other" })
                let approved = try await admin.post("/admin/signups/\(newbie.user.rawValue)/approve", [])
                #expect(approved.body.contains("Approved"))
                #expect(try await admin.post("/admin/signups/\(newbie.user.rawValue)/approve", []).body.contains("decided already"))
                let rejected = try await admin.post("/admin/signups/\(other.user.rawValue)/reject", [])
                #expect(rejected.body.contains("Rejected"))

                let mail = try await mailbox.deliver()
                let welcome = try #require(mail.first { $0.to == "newbie@example.com" })
                #expect(welcome.subject == "Darkroom: Welcome: your account is approved")
                #expect(mail.first { $0.to == "other@example.com" }?.subject == "Darkroom: Your request to join")
                let link = try #require(AccountEmailTests.link(in: welcome.text, under: "/accounts/email/verify/"))
                #expect(try await OAuthTests.logIn(person, "newbie", password: "a long enough secret").status == 303)
                try await person.get(link)
                #expect(try await person.post(link, []).status == 200)
                #expect(try await world.storage.users.find(username: "other") == nil, "a rejected request leaves no account")
                let log = try await world.storage.moderation.log(user: newbie.user, limit: 10)
                #expect(log.contains { $0.action == "approve-signup" })
            }
        }
    }

    @Test(arguments: Engine.available)
    func invitationsLetPeopleInForTheirUsesAndDays(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp(configure: { $0.signups = SignupPolicy(mode: .invite) }) { client in
                let stranger = Browser(client)
                #expect(try await stranger.get("/accounts/signup").body.contains("by invitation"))
                #expect(try await Self.ask(stranger, "gatecrasher", reason: "").status == 403)

                let admin = try await Self.operatorBrowser(world, client)
                try await admin.get("/admin/invites")
                let made = try await admin.post("/admin/invites", [("max_uses", "1"), ("days", "2")])
                let link = try #require(made.body.components(separatedBy: "value=\"http://darkroom.test").dropFirst().first?.prefix { $0 != "\"" })
                let invited = Browser(client)
                let signedUp = try await Self.ask(invited, "guest", reason: "", path: String(link))
                #expect(signedUp.status == 303 && invited.cookies["darkroom_session"] != nil)
                #expect(try await Self.ask(Browser(client), "second", reason: "", path: String(link)).status == 403, "one use only")

                // Members may not make invitations unless operators allow it.
                #expect(try await invited.get("/accounts/invites").status == 404)
                try await admin.get("/admin/signups")
                try await admin.post("/admin/signups/settings", [("mode", "invite"), ("members_may_invite", "on")])
                try await invited.get("/accounts/invites")
                let mine = try await invited.post("/accounts/invites", [("max_uses", "5"), ("days", "1")])
                let memberLink = try #require(
                    mine.body.components(separatedBy: "value=\"http://darkroom.test").dropFirst().first?.prefix { $0 != "\"" }
                )
                world.clock.advance(seconds: 86_401)
                #expect(try await Self.ask(Browser(client), "late", reason: "", path: String(memberLink)).status == 403, "expired")
                let another = try await invited.post("/accounts/invites", [("max_uses", "5"), ("days", "1")])
                let invite = try #require(
                    try await world.storage.signups.invites(by: nil).first { $0.isLive(at: world.storage.environment.nowSeconds) }
                )
                #expect(another.body.contains(invite.code))
                try await invited.post("/accounts/invites/\(invite.id)/revoke", [])
                #expect(try await Self.ask(Browser(client), "stopped", reason: "", path: "/accounts/signup?invite=\(invite.code)").status == 403)
            }
        }
    }

    @Test(arguments: Engine.available)
    func closedSignUpsAndBlockedDomains(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp(configure: {
                $0.runsJobs = false
                $0.signups = SignupPolicy(blockedEmailDomains: ["Spam.example", "@junk.example"])
            }) { client in
                for address in ["x@spam.example", "x@mail.SPAM.example", "x@junk.example"] {
                    let browser = Browser(client)
                    try await browser.get("/accounts/signup")
                    let refused = try await browser.post(
                        "/accounts/signup",
                        [("username", "blocked"), ("password", "a long enough secret"), ("email", address)]
                    )
                    #expect(refused.status == 400 && refused.body.contains("not accepted"), "\(address)")
                }
                let fine = Browser(client)
                #expect(try await AccountEmailTests.signUp(fine, "fine", email: "x@notspam.example").status == 303)
                try await fine.get("/accounts/email")
                let change = try await fine.post("/accounts/email", [("email", "y@spam.example"), ("password", "correct horse battery")])
                #expect(change.status == 400 && change.body.contains("not accepted"))

                // An operator closes sign-up: the saved setting wins over the server's flags.
                let admin = try await Self.operatorBrowser(world, client)
                try await admin.get("/admin/signups")
                #expect(try await admin.post("/admin/signups/settings", [("mode", "closed"), ("blocked_domains", "not a domain!")]).status == 400)
                try await admin.post("/admin/signups/settings", [("mode", "closed")])
                let closed = Browser(client)
                #expect(try await closed.get("/accounts/signup").body.contains("Sign-ups are closed"))
                #expect(try await AccountEmailTests.signUp(closed, "late", email: "late@example.com").status == 403)
            }
        }
    }
}
