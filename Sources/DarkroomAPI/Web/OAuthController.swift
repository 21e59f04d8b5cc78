import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// OAuth 2.0 as the v1 platform did it (reference §2): `/oauth/authorize` with its log-in and consent pages, and
/// `/oauth/access_token` for the code and password grants. PKCE (S256) is an addition.
struct OAuthController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    func addRoutes(to routes: WebRoutes, router: Router<AppRequestContext>) {
        routes.get("/oauth/authorize", consent)
        routes.post("/oauth/authorize", decide)
        let endpoint = TokenEndpoint(storage: storage, links: web.dependencies.links, throttle: web.dependencies.loginThrottle)
        router.post("/oauth/access_token") { request, context in try await endpoint.respond(to: request, context: context) }
    }

    /// An authorize request whose client and redirect URI are known good; anything else wrong with it goes back to
    /// the client as an RFC 6749 error on that redirect URI.
    struct Authorization {
        var client: Client
        var redirectURI: String
        var responseType: String
        var scopes: Set<Scope>
        var state: String?
        var codeChallenge: String?
    }

    enum Refusal: Error {
        /// Shown on our own page: never redirected to an unregistered URI.
        case page(String)
        /// Sent back to the client's redirect URI.
        case redirect(String, error: String, description: String, state: String?, fragment: Bool)
    }

    /// Checks an authorize request, in the order that keeps an attacker from using us as an open redirector.
    func authorization(_ fields: Parameters) async throws -> Result<Authorization, Refusal> {
        guard let clientID = fields.value("client_id"), !clientID.isEmpty else { return .failure(.page("You must provide a client_id.")) }
        guard let client = try await storage.clients.find(clientID: clientID) else { return .failure(.page("Invalid Client ID.")) }
        guard let redirectURI = fields.value("redirect_uri"),
            client.redirectURIs.contains(where: { RedirectURI.matches(registered: $0, sent: redirectURI, strict: client.strictRedirectURI) })
        else {
            return .failure(.page("Redirect URI does not match registered redirect URI."))
        }
        let state = fields.value("state")
        let responseType = fields.value("response_type") ?? ""
        func refuse(_ error: String, _ description: String) -> Result<Authorization, Refusal> {
            .failure(.redirect(redirectURI, error: error, description: description, state: state, fragment: responseType == "token"))
        }
        guard responseType == "code" || responseType == "token" else {
            return refuse("unsupported_response_type", "response_type must be code or token")
        }
        if responseType == "token", client.disableImplicit {
            return refuse("unsupported_response_type", "This client has disabled implicit authentication (response_type=token)")
        }
        var scopes: Set<Scope> = [.basic]
        if let requested = fields.value("scope") {
            let parsed = Scope.parseList(requested)
            guard !requested.allSatisfy({ $0 == " " || $0 == "+" }), parsed.unknown.isEmpty else {
                return refuse(
                    "invalid_scope",
                    "Invalid scope field(s): \(parsed.unknown.isEmpty ? "(empty)" : parsed.unknown.joined(separator: ", "))"
                )
            }
            scopes = parsed.scopes
        }
        var challenge: String?
        if responseType == "code", let given = fields.value("code_challenge") {
            guard (fields.value("code_challenge_method") ?? "plain") == "S256" else {
                return refuse("invalid_request", "code_challenge_method must be S256")
            }
            guard PKCE.isWellFormed(given) else {
                return refuse("invalid_request", "code_challenge is not a valid S256 challenge")
            }
            challenge = given
        }
        return .success(
            Authorization(
                client: client,
                redirectURI: redirectURI,
                responseType: responseType,
                scopes: scopes,
                state: state,
                codeChallenge: challenge
            )
        )
    }

    /// GET /oauth/authorize — the log-in page first when no one is signed in, then the consent page, unless the
    /// person already let this app do all it asks (remembered consent: it gets its answer at once, as in 2013). Asking
    /// for more shows the page for what is new.
    @Sendable func consent(_ visit: Web.Visit) async throws -> Response {
        let authorization: Authorization
        switch try await self.authorization(visit.query) {
        case .failure(let refusal): return respond(refusal, visit)
        case .success(let checked): authorization = checked
        }
        let user = try visit.requireUser()
        let granted = try await storage.tokens.grantedScopes(of: user.id, to: authorization.client.ref)
        if !granted.isEmpty, authorization.scopes.isSubset(of: granted) { return try await grant(authorization, to: user) }
        let fields =
            [
                ("client_id", authorization.client.clientID), ("redirect_uri", authorization.redirectURI),
                ("response_type", authorization.responseType), ("scope", Scope.render(authorization.scopes)),
            ]
            + [
                ("state", authorization.state), ("code_challenge", authorization.codeChallenge),
                ("code_challenge_method", authorization.codeChallenge == nil ? nil : "S256"),
            ].compactMap { name, value in value.map { (name, $0) } }
        return web.page(
            "oauth/consent",
            title: "Authorize \(authorization.client.name)",
            visit,
            [
                "clientName": authorization.client.name, "username": user.username, "redirectURI": authorization.redirectURI,
                "scopes": authorization.scopes.subtracting(granted).sorted().map(Self.describe),
                "hasGranted": !granted.intersection(authorization.scopes).isEmpty,
                "alreadyGranted": granted.intersection(authorization.scopes).sorted().map(Self.describe),
                "fields": fields.map { ["name": $0.0, "value": $0.1] },
            ]
        )
    }

    /// POST /oauth/authorize — the person's answer: a code (or a token in the fragment), or `access_denied`.
    @Sendable func decide(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let authorization: Authorization
        switch try await self.authorization(visit.form) {
        case .failure(let refusal): return respond(refusal, visit)
        case .success(let checked): authorization = checked
        }
        let fragment = authorization.responseType == "token"
        guard visit.form.value("decision") == "allow" else {
            return respond(
                .redirect(
                    authorization.redirectURI,
                    error: "access_denied",
                    description: "The user denied your request",
                    state: authorization.state,
                    fragment: fragment
                ),
                visit,
                reason: "user_denied"
            )
        }
        return try await grant(authorization, to: user)
    }

    /// The answer to an allowed request: a code (or, for the implicit flow, a token in the fragment).
    private func grant(_ authorization: Authorization, to user: User) async throws -> Response {
        let fragment = authorization.responseType == "token"
        var answer: [(String, String)]
        if fragment {
            answer = [("access_token", try await storage.tokens.create(userID: user.id, client: authorization.client, scopes: authorization.scopes))]
        } else {
            let code = try await storage.codes.issue(
                AuthorizationCodeStore.Grant(
                    client: authorization.client.ref,
                    userID: user.id,
                    redirectURI: authorization.redirectURI,
                    scopes: authorization.scopes,
                    codeChallenge: authorization.codeChallenge
                )
            )
            answer = [("code", code)]
        }
        if let state = authorization.state { answer.append(("state", state)) }
        return web.redirect(to: Self.url(authorization.redirectURI, adding: answer, inFragment: fragment))
    }

    /// Answers a refused authorize request. Errors go back to the client's redirect URI only for a signed-in person:
    /// anyone may register a client, so redirecting an anonymous visitor would make us an open redirector (OAuth 2.0
    /// Security BCP §4.11.2). Until someone signs in, every refusal is shown on our own page.
    private func respond(_ refusal: Refusal, _ visit: Web.Visit, reason: String? = nil) -> Response {
        switch refusal {
        case .page(let message):
            return web.message("This link does not work", status: .badRequest, visit, error: message)
        case .redirect(_, _, let description, _, _) where visit.user == nil:
            return web.message("This link does not work", status: .badRequest, visit, error: description)
        case .redirect(let uri, let error, let description, let state, let fragment):
            var fields = [("error", error)] + (reason.map { [("error_reason", $0)] } ?? []) + [("error_description", description)]
            if let state { fields.append(("state", state)) }
            return web.redirect(to: Self.url(uri, adding: fields, inFragment: fragment))
        }
    }

    static func url(_ base: String, adding fields: [(String, String)], inFragment: Bool) -> String {
        let encoded = fields.map { "\($0.0)=\(Parameters.encode($0.1))" }.joined(separator: "&")
        if inFragment { return base + "#" + encoded }
        return base + (base.contains("?") ? "&" : "?") + encoded
    }

    static func describe(_ scope: Scope) -> String {
        switch scope {
        case .basic: "See your profile, photos and who you follow (always included)"
        case .comments: "Post and delete comments as you"
        case .relationships: "Follow and unfollow accounts, and block people, for you"
        case .likes: "Like and unlike photos as you"
        case .upload: "Post photos and change your profile picture as you"
        }
    }
}
