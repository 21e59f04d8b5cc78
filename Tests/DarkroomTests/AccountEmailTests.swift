import DarkroomCore
import Foundation
import HummingbirdTesting
import Logging
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// Email addresses and passwords as a person manages them on the pages, on both engines: mail goes through the real
/// send-mail job into the data directory's mail folder (no SMTP server configured), where the test reads it as a mail
/// program would. The app runs without its own job worker, so the test says when mail is delivered (`Mailbox`).
@Suite struct AccountEmailTests {
    /// The mail the server's job worker delivered since the last call, parsed.
    struct Mailbox {
        let world: TestWorld

        func deliver() async throws -> [MailMessage] {
            let delivery = try MailDelivery(
                settings: MailSettings(),
                publicURL: "http://darkroom.test",
                dataDirectory: world.storage.files.dataDirectory,
                environment: world.storage.environment,
                logger: Logger(label: "test")
            )
            var registry = JobRegistry()
            registry.register(delivery)
            try await JobWorker(storage: world.storage, registry: registry, logger: Logger(label: "test")).drain()
            let folder = MailFolder(dataDirectory: world.storage.files.dataDirectory)
            var messages: [MailMessage] = []
            for entry in folder.list() {
                let raw = try String(contentsOfFile: entry.file, encoding: .utf8)
                try FileManager.default.removeItem(atPath: entry.file)
                messages.append(Self.parse(raw, to: entry.to, subject: entry.subject))
            }
            return messages
        }

        /// The plain-text part of a message Darkroom wrote (base64, as `MailMessage.rendered` writes it).
        static func parse(_ raw: String, to: String, subject: String) -> MailMessage {
            let parts = raw.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n").dropFirst().map { part in
                String(decoding: Data(base64Encoded: part.prefix { $0 != "-" }.replacingOccurrences(of: "\r\n", with: "")) ?? Data(), as: UTF8.self)
            }
            return MailMessage(to: to, subject: subject, text: parts.first ?? "", html: parts.dropFirst().first ?? "")
        }
    }

    /// The path of the first link in `text` under `prefix` (`/accounts/email/verify/`).
    static func link(in text: String, under prefix: String) -> String? {
        guard let start = text.range(of: "http://darkroom.test" + prefix) else { return nil }
        return prefix + text[start.upperBound...].prefix { $0.isHexDigit }
    }

    static func signUp(_ browser: Browser, _ username: String, email: String) async throws -> Browser.Page {
        try await browser.get("/accounts/signup")
        return try await browser.post(
            "/accounts/signup",
            [("username", username), ("password", "correct horse battery"), ("email", email), ("full_name", "")]
        )
    }

    @Test(arguments: Engine.available)
    func anAddressGivenAtSignUpIsVerifiedByALinkThatWorksOnce(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let mailbox = Mailbox(world: world)
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                let browser = Browser(client)
                let bad = try await Self.signUp(browser, "ann", email: "ann@@example.com")
                #expect(bad.status == 400 && bad.body.contains("not an email address"))
                #expect(try await Self.signUp(browser, "ann", email: "Ann@Example.COM").status == 303)
                let ann = try #require(try await world.storage.users.find(username: "ann"))
                #expect(try await world.storage.users.email(of: ann.id) == AccountEmail(address: "Ann@example.com", isVerified: false))

                let mail = try await mailbox.deliver()
                #expect(mail.count == 1 && mail.first?.to == "Ann@example.com" && mail.first?.subject == "Darkroom: Confirm your email address")
                let link = try #require(Self.link(in: mail.first?.text ?? "", under: "/accounts/email/verify/"))
                #expect(mail.first?.html.contains("http://darkroom.test" + link) == true)

                // Opening the link (a mail scanner would) changes nothing; pressing its button does, once.
                let page = try await browser.get(link)
                #expect(page.status == 200 && page.body.contains("confirm-email"))
                #expect(try await world.storage.users.email(of: ann.id)?.isVerified == false)
                let confirmed = try await browser.post(link, [])
                #expect(confirmed.status == 200 && confirmed.body.contains("Ann@example.com is confirmed"))
                #expect(try await world.storage.users.email(of: ann.id)?.isVerified == true)
                #expect(try await browser.post(link, []).status == 410)
                let log = try await world.storage.securityLog.recent(of: ann.id).map(\.kind)
                #expect(log.contains(.emailAdded) && log.contains(.emailVerified) && log.contains(.signedIn))

                // Without the form's CSRF value nothing happens, and a stranger's token is only a dead link.
                #expect(try await browser.post(link, [], withCSRF: false).status == 403)
                #expect(try await browser.post("/accounts/email/verify/" + String(repeating: "ab", count: 32), []).status == 410)
                #expect(try await browser.post("/accounts/email/verify/x'%20OR%201=1", []).status == 410)
            }
        }
    }

    @Test(arguments: Engine.available)
    func aVerifiedAddressStaysUntilTheNewOneIsConfirmedAndTheOldOneIsTold(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let mailbox = Mailbox(world: world)
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                let browser = Browser(client)
                _ = try await Self.signUp(browser, "ann", email: "ann@example.com")
                let ann = try #require(try await world.storage.users.find(username: "ann"))
                let first = try #require(Self.link(in: try await mailbox.deliver().first?.text ?? "", under: "/accounts/email/verify/"))
                try await browser.get(first)
                try await browser.post(first, [])

                try await browser.get("/accounts/email")
                let wrong = try await browser.post("/accounts/email", [("email", "new@example.org"), ("password", "not it")])
                #expect(wrong.status == 400 && wrong.body.contains("current password is not right"))
                let asked = try await browser.post("/accounts/email", [("email", "new@example.org"), ("password", "correct horse battery")])
                #expect(asked.status == 200 && asked.body.contains("We sent a link to new@example.org"))
                #expect(try await world.storage.users.email(of: ann.id) == AccountEmail(address: "ann@example.com", isVerified: true))

                // Asking again replaces the first link: only the newest works.
                let older = try #require(Self.link(in: try await mailbox.deliver().first?.text ?? "", under: "/accounts/email/verify/"))
                try await browser.post("/accounts/email/resend", [])
                let newer = try #require(Self.link(in: try await mailbox.deliver().first?.text ?? "", under: "/accounts/email/verify/"))
                #expect(try await browser.post(older, []).status == 410)
                #expect(try await browser.post(newer, []).status == 200)
                #expect(try await world.storage.users.email(of: ann.id) == AccountEmail(address: "new@example.org", isVerified: true))

                let told = try await mailbox.deliver()
                #expect(told.map(\.to) == ["ann@example.com"])
                #expect(told.first?.text.contains("ne…@example.org") == true && told.first?.text.contains("new@example.org") == false)
            }
        }
    }

    @Test(arguments: Engine.available)
    func aVerificationLinkExpiresAfterADay(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let mailbox = Mailbox(world: world)
            try await world.withApp(configure: { $0.runsJobs = false }) { client in
                let browser = Browser(client)
                _ = try await Self.signUp(browser, "ann", email: "ann@example.com")
                let link = try #require(Self.link(in: try await mailbox.deliver().first?.text ?? "", under: "/accounts/email/verify/"))
                world.clock.advance(seconds: 86_401)
                try await browser.get(link)
                #expect(try await browser.post(link, []).status == 410)
            }
        }
    }
}
