import Crypto
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// How a `Darkroom` client identifies itself: a user's access token, or an app's client id for public reads; with
/// the client secret, every call is also signed (`sig`, reference §1.8) for clients that enforce signed requests.
public struct Credentials: Sendable {
    public var accessToken: String?
    public var clientID: String?
    public var clientSecret: String?

    public init(accessToken: String? = nil, clientID: String? = nil, clientSecret: String? = nil) {
        self.accessToken = accessToken
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    /// `sig`: HMAC-SHA256, keyed by the client secret, of `ENDPOINT|key=value|…` over the query's parameters in key
    /// order, values decoded; the endpoint is the path after `/v1`.
    static func signature(endpoint: String, parameters: [(name: String, value: String)], secret: String) -> String {
        let message = parameters.sorted { ($0.name, $0.value) < ($1.name, $1.value) }.reduce(endpoint) { $0 + "|" + $1.name + "=" + $1.value }
        let code = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }
}

/// Adds the credentials to each request's query (`access_token` or `client_id`) and, with a secret, its `sig`.
/// The token goes in the query rather than a header because that is what v1 servers read everywhere and what the
/// signature covers.
struct AuthenticationMiddleware: ClientMiddleware {
    let credentials: Credentials

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let fullPath = request.path, fullPath.hasPrefix("/v1/") else { return try await next(request, body, baseURL) }
        var components = URLComponents(string: fullPath) ?? URLComponents()
        var items = components.queryItems ?? []
        if let token = credentials.accessToken, !items.contains(where: { $0.name == "access_token" }) {
            items.append(URLQueryItem(name: "access_token", value: token))
        } else if credentials.accessToken == nil, let clientID = credentials.clientID, !items.contains(where: { $0.name == "client_id" }) {
            items.append(URLQueryItem(name: "client_id", value: clientID))
        }
        if let secret = credentials.clientSecret {
            items.removeAll { $0.name == "sig" }
            let endpoint = String(components.path.dropFirst(3))
            items.append(
                URLQueryItem(
                    name: "sig",
                    value: Credentials.signature(
                        endpoint: endpoint,
                        parameters: items.map { ($0.name, $0.value ?? "") },
                        secret: secret
                    )
                )
            )
        }
        // `+` is a space in a form-encoded query; URLComponents leaves it alone.
        components.percentEncodedQueryItems = items.map {
            URLQueryItem(name: Self.encode($0.name), value: $0.value.map(Self.encode))
        }
        var request = request
        request.path = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        return try await next(request, body, baseURL)
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
