import DarkroomAPI
import DarkroomCore
import Foundation
import HummingbirdTesting
import Testing

@testable import DarkroomStorage

/// People report what they see; operators work through the queue in the admin area; every action is in the log.
@Suite struct ReportTests {
    private static func signedIn(_ client: any TestClientProtocol, _ world: TestWorld, as username: String) async throws -> (Browser, User) {
        let browser = Browser(client)
        try await browser.get("/accounts/signup")
        let made = try await browser.post("/accounts/signup", [("username", username), ("password", "password-of-\(username)")])
        #expect(made.status == 303)
        return (browser, try #require(try await world.storage.users.find(username: username)))
    }

    @Test(arguments: Engine.available)
    func peopleReportWhatTheySeeAndOperatorsSettleIt(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp { client in
                let (alice, aliceUser) = try await Self.signedIn(client, world, as: "alice")
                let (bob, bobUser) = try await Self.signedIn(client, world, as: "bob")
                let (operatorBrowser, operatorUser) = try await Self.signedIn(client, world, as: "olga")
                try await world.storage.operators.setOperator(operatorUser.id, true)
                let photo = try await world.post(by: aliceUser, caption: "<script>alert('caption')</script>")
                let comment = try await world.storage.comments.create(on: photo, by: aliceUser.id, text: "buy followers at spam.example")
                let page = "/p/\(Shortcode.encode(photo))/"

                // Bob sees report forms for the photo, Alice's comment and Alice; Alice sees none on her own.
                let bobsView = try await bob.get(page)
                #expect(bobsView.status == 200 && bobsView.body.components(separatedBy: "action=\"/reports\"").count - 1 == 3)
                #expect(!bobsView.body.contains("<script>alert") && bobsView.body.contains("&lt;script&gt;"))
                #expect(
                    bobsView.headers[.contentSecurityPolicy]?.contains("script-src") == false
                        && bobsView.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true
                )
                #expect(!(try await alice.get(page)).body.contains("action=\"/reports\""))

                let sent = try await bob.post(
                    "/reports",
                    [
                        ("kind", "media"), ("target", String(photo.rawValue)), ("reason", "spam"),
                        ("details", "<b>look</b>"), ("next", page),
                    ]
                )
                #expect(sent.status == 200 && sent.body.contains("sent to the moderators") && sent.body.contains("href=\"\(page)\""))
                _ = try await bob.post("/reports", [("kind", "media"), ("target", String(photo.rawValue)), ("reason", "spam"), ("next", page)])
                _ = try await bob.post("/reports", [("kind", "comment"), ("target", String(comment.id.rawValue)), ("reason", "spam")])
                _ = try await bob.post("/reports", [("kind", "user"), ("target", String(aliceUser.id.rawValue)), ("reason", "harassment")])
                #expect(try await world.storage.reports.list(open: true, limit: 10).count == 3, "a second report of the same thing adds nothing")
                // Nobody reports their own, what they cannot see, or with a reason that is not offered; no CSRF, no report.
                #expect(try await alice.post("/reports", [("kind", "media"), ("target", String(photo.rawValue)), ("reason", "spam")]).status == 403)
                #expect(try await bob.post("/reports", [("kind", "media"), ("target", "12345"), ("reason", "spam")]).status == 404)
                #expect(try await bob.post("/reports", [("kind", "media"), ("target", String(photo.rawValue)), ("reason", "boring")]).status == 400)
                #expect(
                    try await bob.post(
                        "/reports",
                        [("kind", "user"), ("target", String(aliceUser.id.rawValue)), ("reason", "spam")],
                        withCSRF: false
                    ).status == 403
                )

                // The admin area is the operators' only.
                #expect(try await bob.get("/admin").status == 404)
                #expect(try await bob.post("/admin/users/alice/suspend", [("reason", "x")]).status == 404)
                #expect(!(try await bob.get("/accounts/settings")).body.contains("id=\"admin-link\""))
                #expect((try await operatorBrowser.get("/accounts/settings")).body.contains("id=\"admin-link\""))
                let queue = try await operatorBrowser.get("/admin")
                #expect(queue.status == 200 && queue.body.components(separatedBy: "class=\"report\"").count - 1 == 3)
                #expect(queue.body.contains("&lt;b&gt;look&lt;/b&gt;") && queue.body.contains("buy followers at spam.example"))

                let reports = try await world.storage.reports.list(open: true, limit: 10)
                let onPhoto = try #require(reports.first { $0.target == .media })
                let onComment = try #require(reports.first { $0.target == .comment })
                let onAlice = try #require(reports.first { $0.target == .user })
                #expect(
                    try await operatorBrowser.post("/admin/reports/\(onComment.id)", [("decision", "remove")]).status == 400,
                    "a reason is needed"
                )
                #expect(
                    try await operatorBrowser.post("/admin/reports/\(onComment.id)", [("decision", "remove"), ("reason", "spam link")]).location
                        == "/admin?done=1"
                )
                #expect(try await world.storage.comments.find(comment.id, on: photo) == nil)
                #expect(try await operatorBrowser.post("/admin/reports/\(onPhoto.id)", [("decision", "dismiss")]).status == 303)
                #expect(try await world.storage.media.find(photo, viewer: nil) != nil)
                #expect(try await operatorBrowser.post("/admin/reports/\(onPhoto.id)", [("decision", "dismiss")]).status == 404, "settled already")
                #expect(try await operatorBrowser.post("/admin/reports/\(onAlice.id)", [("decision", "remove"), ("reason", "x")]).status == 400)
                #expect(
                    try await operatorBrowser.post("/admin/reports/\(onAlice.id)", [("decision", "suspend"), ("reason", "harassing bob")]).status
                        == 303
                )
                #expect(try await world.storage.moderation.suspendedAt(aliceUser.id) != nil)
                #expect(try await alice.get("/accounts/settings").location?.hasPrefix("/accounts/login") == true, "her session ended")
                #expect((try await operatorBrowser.get("/admin")).body.contains("id=\"no-reports\""))
                let settled = try await world.storage.reports.list(open: false, limit: 10)
                #expect(
                    settled.allSatisfy { $0.resolvedBy == "@olga (web)" }
                        && Set(settled.compactMap(\.resolution)) == ["remove", "dismiss", "suspend"]
                )

                // The account page: reinstate with a reason; the log shows every step.
                let account = try await operatorBrowser.get("/admin/users/alice")
                #expect(account.status == 200 && account.body.contains("id=\"suspended\""))
                #expect(try await operatorBrowser.post("/admin/users/alice/unsuspend", [("reason", "")]).status == 400)
                #expect(
                    try await operatorBrowser.post("/admin/users/alice/unsuspend", [("reason", "appeal")]).location == "/admin/users/alice?done=1"
                )
                #expect(try await operatorBrowser.post("/admin/users/olga/suspend", [("reason", "oops")]).status == 400, "not oneself")
                #expect(try await operatorBrowser.get("/admin/users?username=%40alice").location == "/admin/users/alice")
                let log = try await operatorBrowser.get("/admin/log")
                for action in ["remove comment", "dismiss report", "suspend", "unsuspend"] { #expect(log.body.contains(">\(action)<"), "\(action)") }
                #expect(
                    try await world.storage.moderation.log(user: aliceUser.id, limit: 10).map(\.action)
                        == ["unsuspend", "suspend", "dismiss report", "remove comment"]
                )
                _ = bobUser
            }
        }
    }

    @Test(arguments: Engine.available)
    func oneAccountCannotFloodTheQueue(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let alice = try await world.user("alice")
            let bob = try await world.user("bob")
            var photos: [MediaID] = []
            for _ in 0...ReportStore.openLimit { photos.append(try await world.post(by: alice)) }
            for photo in photos.prefix(ReportStore.openLimit) {
                try await world.storage.reports.file(.init(target: .media, id: photo.rawValue, reason: .spam, details: ""), by: bob.id)
            }
            await #expect(throws: DomainError.limitReached(.openReports, limit: ReportStore.openLimit)) {
                try await world.storage.reports.file(.init(target: .media, id: photos.last!.rawValue, reason: .spam, details: ""), by: bob.id)
            }
        }
    }
}
