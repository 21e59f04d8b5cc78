import DarkroomCore
import Foundation

/// The mail server Darkroom hands its mail to (`serve --smtp-url`): `smtp://` talks STARTTLS (port 587 by default),
/// `smtps://` implicit TLS (465), user and password (percent-encoded) in the URL.
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: Sendable, Equatable {
        /// Plain TCP upgraded by STARTTLS. Going on without TLS is allowed only to a loopback relay, and never with a
        /// password.
        case startTLS
        /// TLS from the first byte.
        case implicitTLS
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// A PEM file of certificates to trust besides the system's (`--smtp-ca-file`: a private CA, a test's own).
    public var trustedCertificates: String?

    public init(url text: String, trustedCertificates: String? = nil) throws(SMTPSettingsError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw SMTPSettingsError("--smtp-url must look like smtp://user:password@host:587 or smtps://host:465")
        }
        switch scheme {
        case "smtp": security = .startTLS
        case "smtps": security = .implicitTLS
        default: throw SMTPSettingsError("--smtp-url must start with smtp:// (STARTTLS) or smtps:// (implicit TLS), not \(scheme)://")
        }
        guard url.path.isEmpty || url.path == "/", url.query == nil else { throw SMTPSettingsError("--smtp-url takes no path or query") }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        port = url.port ?? (security == .implicitTLS ? 465 : 587)
        guard (1...65535).contains(port) else { throw SMTPSettingsError("--smtp-url has no valid port") }
        username = url.user?.removingPercentEncoding
        password = url.password?.removingPercentEncoding
        guard (username == nil) == (password == nil) else { throw SMTPSettingsError("--smtp-url needs both a user and a password, or neither") }
        for field in [username, password] {
            if let field, field.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                throw SMTPSettingsError("--smtp-url's user and password cannot hold control characters")
            }
        }
        self.trustedCertificates = trustedCertificates
    }

    /// Whether the server is this machine (a local relay), where the connection never crosses a network.
    var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The server, without the password, for logs.
    public var description: String {
        "\(security == .implicitTLS ? "smtps" : "smtp")://\(username.map { $0 + "@" } ?? "")\(host):\(port)"
    }
}

public struct SMTPSettingsError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
