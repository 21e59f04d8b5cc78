import DarkroomCore
import Foundation
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// Mail as it leaves Darkroom: addresses, headers no input can break, bodies, the SMTP settings' rules.
@Suite struct MailTests {
    @Test func addressesAreCheckedAsPeopleTypeThem() throws {
        #expect(try Validation.email("  Ann.Lee+photos@Example.COM ") == "Ann.Lee+photos@example.com")
        for bad in [
            "", "ann", "ann@", "@example.com", "ann@example", "ann@@example.com", "ann example@example.com", "ann@exa mple.com",
            "ann@example.com\r\nBcc: victim@example.org", "ann@example.com>", "<ann@example.com", "\"ann\"@example.com", "ann..lee@example.com",
            ".ann@example.com", "ann@-example.com", "ann@example..com", "anné@example.com", String(repeating: "a", count: 65) + "@example.com",
        ] {
            #expect(throws: DomainError.self, "\(bad)") { try Validation.email(bad) }
        }
    }

    @Test func noSubjectOrNameCanAddAHeader() throws {
        let message = MailMessage(
            to: "ann@example.com",
            subject: "Hi\r\nBcc: victim@example.org\r\n\r\nforged body",
            text: ".a line starting with a dot\r\nthen text",
            html: "<p>é</p>"
        )
        let sender = MailSender(name: "Dark\nroom", address: "darkroom@example.com")
        let raw = message.rendered(from: sender, date: Date(timeIntervalSince1970: 1_700_000_000), messageID: "abc@example.com")
        let headers = raw.components(separatedBy: "\r\n\r\n")[0]
        #expect(!headers.contains("Bcc:"))
        #expect(headers.contains("Subject: =?utf-8?b?"))
        #expect(headers.contains("From: =?utf-8?b?"))
        #expect(headers.contains("Date: Tue, 14 Nov 2023 22:13:20 +0000"))
        let parsed = MailFolder.headers(of: raw)
        #expect(parsed["subject"] == message.subject && parsed["to"] == "<ann@example.com>")
        #expect(raw.split(separator: "\r\n", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 78 && !$0.hasPrefix(".") })
        #expect(MailFolder.headers(of: message.rendered(from: sender, date: Date(), messageID: "m@x.y"))["subject"] == message.subject)
        #expect(try MailSender(parsing: "\"Photo Club\" <club@example.com>") == MailSender(name: "Photo Club", address: "club@example.com"))
        #expect(throws: DomainError.self) { try MailSender(parsing: "club@example.com>\r\nBcc: x@y.z") }
    }

    @Test func theMessageIsDotStuffedForSMTP() {
        #expect(SMTPClient.dotStuffed(".one\r\ntwo\r\n.three") == "..one\r\ntwo\r\n..three\r\n")
    }

    @Test func smtpSettingsComeFromTheURL() throws {
        let starttls = try SMTPSettings(url: "smtp://mailer%40example.com:p%3Ass@mail.example.com")
        #expect(starttls.security == .startTLS && starttls.port == 587 && starttls.username == "mailer@example.com" && starttls.password == "p:ss")
        #expect(starttls.description == "smtp://mailer@example.com@mail.example.com:587", "no password in logs")
        let implicit = try SMTPSettings(url: "smtps://relay.example.com")
        #expect(implicit.security == .implicitTLS && implicit.port == 465 && implicit.username == nil)
        #expect(try SMTPSettings(url: "smtp://127.0.0.1:2525").isLoopback)
        for bad in ["http://mail.example.com", "smtp://", "smtp://user@mail.example.com", "smtp://mail.example.com/path", "mail.example.com"] {
            #expect(throws: SMTPSettingsError.self, "\(bad)") { try SMTPSettings(url: bad) }
        }
    }

    @Test func devicesAreNamedAsPeopleKnowThem() {
        let cases = [
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
                "Safari on iPhone"
            ),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", "Chrome on Linux"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0", "Edge on Windows"),
            ("Mozilla/5.0 (Android 14; Mobile; rv:120.0) Gecko/120.0 Firefox/120.0", "Firefox on Android"),
            ("curl/8.0", "curl"), ("", ""), ("<script>", "script"),
        ]
        for (agent, name) in cases { #expect(DeviceName.describe(userAgent: agent) == name) }
    }
}
