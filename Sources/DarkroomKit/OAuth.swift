import Crypto
import Foundation

/// The OAuth steps of an app (reference §2): the authorization page's address with PKCE, and the exchange of the
/// code it returns, or of a password for a client the operator trusts with the password grant.
public enum OAuth {
    /// The scopes an app may ask for.
    public enum Scope: String, Sendable, CaseIterable {
        case basic, comments, relationships, likes, upload
    }

    /// A PKCE pair (RFC 7636, S256): send `challenge` with the authorization request, keep `verifier` for the exchange.
    public struct PKCE: Sendable {
        public let verifier: String
        public var challenge: String { Self.base64URL(Data(SHA256.hash(data: Data(verifier.utf8)))) }

        public init(verifier: String) { self.verifier = verifier }

        /// A new verifier of 32 random bytes.
        public static func make() -> PKCE {
            var generator = SystemRandomNumberGenerator()
            return PKCE(verifier: base64URL(Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })))
        }

        static func base64URL(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
    }

    /// Where to send the person to grant the app its scopes; the server redirects back to `redirectURI` with `code`.
    public static func authorizationURL(
        server: URL,
        clientID: String,
        redirectURI: String,
        scopes: [Scope],
        state: String? = nil,
        pkce: PKCE? = nil
    ) -> URL {
        var components = URLComponents(url: server.appendingPathComponent("oauth/authorize"), resolvingAgainstBaseURL: false)!
        var items = [
            URLQueryItem(name: "client_id", value: clientID), URLQueryItem(name: "redirect_uri", value: redirectURI),
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "scope", value: scopes.map(\.rawValue).joined(separator: " ")),
        ]
        if let state { items.append(URLQueryItem(name: "state", value: state)) }
        if let pkce {
            items += [URLQueryItem(name: "code_challenge", value: pkce.challenge), URLQueryItem(name: "code_challenge_method", value: "S256")]
        }
        components.queryItems = items
        return components.url!
    }
}
