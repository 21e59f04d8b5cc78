import DarkroomCore
import DarkroomStorage
import Foundation

/// Darkroom's emails, each from its pair of templates (`Templates/mail/NAME.txt` and `NAME.html`, the plain text
/// unescaped, the HTML escaped), every link absolute from the public URL.
struct MailComposer: Sendable {
    let templates: PageTemplates
    let publicURL: String

    func verification(to address: String, username: String, token: String) -> MailMessage {
        compose(
            "verify-email",
            to: address,
            subject: "Confirm your email address",
            [
                "username": username, "address": address, "link": publicURL + "/accounts/email/verify/" + token,
            ]
        )
    }

    func emailChanged(to old: String, username: String, new: String) -> MailMessage {
        compose(
            "email-changed",
            to: old,
            subject: "Your email address was changed",
            [
                "username": username, "old": old, "new": Self.masked(new), "resetLink": publicURL + "/accounts/password/reset",
            ]
        )
    }

    func passwordReset(to address: String, username: String, token: String) -> MailMessage {
        compose(
            "reset-password",
            to: address,
            subject: "Reset your password",
            [
                "username": username, "link": publicURL + "/accounts/password/reset/" + token,
            ]
        )
    }

    /// Told after a password changed: `how` it changed ("changed", "reset by email").
    func passwordChanged(to address: String, username: String, how: String, at seconds: Int64, from origin: SecurityLog.Origin) -> MailMessage {
        compose(
            "password-changed",
            to: address,
            subject: "Your password was \(how)",
            [
                "username": username, "how": how, "when": Self.moment(seconds), "from": Self.describe(origin),
                "resetLink": publicURL + "/accounts/password/reset",
            ]
        )
    }

    func newSignIn(to address: String, username: String, at seconds: Int64, from origin: SecurityLog.Origin) -> MailMessage {
        compose(
            "new-sign-in",
            to: address,
            subject: "A new sign-in to your account",
            [
                "username": username, "when": Self.moment(seconds), "from": Self.describe(origin),
                "passwordLink": publicURL + "/accounts/password", "securityLink": publicURL + "/accounts/security",
            ]
        )
    }

    func signupApproved(to address: String, username: String, token: String) -> MailMessage {
        compose(
            "signup-approved",
            to: address,
            subject: "Welcome: your account is approved",
            [
                "username": username, "link": publicURL + "/accounts/email/verify/" + token,
            ]
        )
    }

    func signupRejected(to address: String, username: String) -> MailMessage {
        compose("signup-rejected", to: address, subject: "Your request to join", ["username": username])
    }

    private func compose(_ name: String, to address: String, subject: String, _ values: [String: Any]) -> MailMessage {
        var context = values
        context["site"] = publicURL
        context["subject"] = subject
        return MailMessage(
            to: address,
            subject: "Darkroom: " + subject,
            text: templates.render("mail/\(name).txt", context).trimmingCharacters(in: .newlines) + "\n",
            html: templates.render("mail/\(name).html", context)
        )
    }

    /// An address shown to its former owner: enough to recognise, not enough to learn it (`al…@example.com`).
    static func masked(_ address: String) -> String {
        guard let at = address.lastIndex(of: "@") else { return "…" }
        return String(address[..<at].prefix(2)) + "…" + address[at...]
    }

    static func moment(_ seconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMMM yyyy 'at' HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    static func describe(_ origin: SecurityLog.Origin) -> String {
        origin.device.isEmpty ? "the address \(origin.address)" : "\(origin.device) at the address \(origin.address)"
    }
}
