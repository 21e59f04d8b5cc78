import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// The API console (reference §8), at `/developer/console`: every v1 endpoint with its parameters, called from the
/// page with the person's own token — made on the spot with the scopes they tick, for the server's first-party
/// "API console" client or one of their own clients, and revocable like any other. The token is remembered by this
/// browser (a cookie for the console's pages alone) until it is revoked.
///
/// The page's script (the one page with script: the console is a developer's tool) sends each request from the
/// browser and shows the request — with `sig` when the client enforces signed requests, computed here, since the
/// secret never leaves the server — and the answer's status, headers and JSON. Without script, each form posts to
/// `/developer/console/call`, which makes the same call through the server's own responder (`ConsoleCall`,
/// `LocalAPI`) and shows the page with the exchange under its endpoint.
struct ConsoleController {
    let web: Web
    let localAPI: LocalAPI
    var storage: Storage { web.dependencies.storage }

    static let consoleClient = "console"
    static let tokenCookie = "darkroom_console_token"
    static let path = "/developer/console"

    func addRoutes(to routes: WebRoutes, router: Router<AppRequestContext>) {
        routes.get("/developer/console") { visit in try await page(visit, user: try visit.requireUser()) }
        routes.post("/developer/console/token", makeToken)
        routes.post("/developer/console/call", call)
        routes.post("/developer/console/sign", sign)
        web.serveScript("/static/console.js", web.dependencies.templates.consoleScript, on: router)
    }

    private func consoleClient() async throws -> Client {
        try await storage.clients.firstParty(
            Self.consoleClient,
            name: "Darkroom API console",
            redirectURI: web.dependencies.links.publicURL + "/developer/console"
        )
    }

    /// The client a token is made for: the console's own, or one the person registered.
    private func client(_ choice: String?, user: User) async throws -> Client {
        guard let choice, !choice.isEmpty, choice != Self.consoleClient else { return try await consoleClient() }
        guard let client = try await storage.clients.find(clientID: choice) else { throw DomainError.notFound(.client) }
        try ClientPolicy.check(.manage, actor: user.id, owner: client.ownerID)
        return client
    }

    /// The token this browser was last given here, while it is still the person's and not revoked, with its client.
    private func remembered(_ visit: Web.Visit, user: User) async throws -> (token: String, grant: AccessGrant, client: Client)? {
        guard let token = visit.cookies[Self.tokenCookie]?.value, !token.isEmpty, token.utf8.count <= 200,
            let grant = try await storage.tokens.resolve(token), grant.userID == user.id,
            let client = try await storage.clients.find(ref: grant.clientRef)
        else { return nil }
        return (token, grant, client)
    }

    /// What one endpoint's call gave, shown under its form.
    struct Exchange {
        var index: Int
        var request: String
        var response: String
        var status: Int
    }

    private func page(
        _ visit: Web.Visit,
        user: User,
        made: (token: String, client: Client, scopes: Set<Scope>)? = nil,
        exchange: Exchange? = nil
    ) async throws -> Response {
        let own = try await storage.clients.owned(by: user.id)
        let kept = made == nil ? try await remembered(visit, user: user) : nil
        let current = made ?? kept.map { ($0.token, $0.client, $0.grant.scopes) }
        let (token, client, scopes) = (current?.0, current?.1, current?.2 ?? [.basic])
        let endpoints = Endpoint.all.enumerated().map { index, endpoint -> [String: Any] in
            let scope =
                switch endpoint.access {
                case .clientOrUser(let scope): "client_id, or a token (\(scope.rawValue))"
                case .user(let scope): "a token with \(scope.rawValue)"
                }
            let shown = exchange?.index == index ? exchange : nil
            return [
                "index": index, "method": endpoint.method.rawValue, "path": endpoint.displayPath, "summary": endpoint.summary,
                "needs": scope,
                "multipart": endpoint.parameters.contains { $0.place == .file },
                "parameters": endpoint.parameters.map {
                    [
                        "name": $0.name, "place": $0.place.rawValue, "hint": $0.hint, "isFile": $0.place == .file,
                        "value": shown == nil ? "" : visit.form.value($0.name) ?? "",
                    ]
                },
                "exchange": shown.map { ["request": $0.request, "response": $0.response, "status": $0.status] as [String: Any] } ?? PageModels.absent,
            ]
        }
        var response = web.page(
            "developer/console",
            title: "API console",
            visit,
            [
                "endpoints": endpoints,
                "scopes": [Scope.basic, .comments, .relationships, .likes, .upload].map { ["name": $0.rawValue, "checked": scopes.contains($0)] },
                "clients": [["id": Self.consoleClient, "name": "Darkroom API console", "selected": client == nil || client?.ownerID == nil]]
                    + own.map { ["id": $0.clientID, "name": $0.name, "selected": $0.clientID == client?.clientID] },
                "token": token ?? PageModels.absent, "clientID": client?.clientID ?? "", "signs": client?.enforceSigned ?? false,
                "username": user.username,
            ],
            scripts: true
        )
        if let made {
            response.setCookie(web.cookie(Self.tokenCookie, made.token, maxAge: SessionStore.lifetime, path: Self.path))
        } else if kept == nil, visit.cookies[Self.tokenCookie] != nil {
            // Revoked, or another person's: forgotten.
            response.setCookie(web.cookie(Self.tokenCookie, "", maxAge: 0, path: Self.path))
        }
        return response
    }

    @Sendable private func makeToken(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let client = try await client(visit.form.value("client"), user: user)
        var scopes: Set<Scope> = [.basic]
        for scope in [Scope.comments, .relationships, .likes, .upload] where visit.form.value("scope_" + scope.rawValue) == "on" {
            scopes.insert(scope)
        }
        let token = try await storage.tokens.create(userID: user.id, client: client, scopes: scopes)
        return try await page(visit, user: user, made: (token, client, scopes))
    }

    /// One endpoint's call made here, for a page without script: the page again, with the exchange under the endpoint.
    @Sendable private func call(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        guard let index = visit.form.value("endpoint").flatMap(Int.init), Endpoint.all.indices.contains(index), let channel = visit.channel else {
            throw WebError(status: .badRequest, message: "Choose an endpoint to call.")
        }
        let kept = try await remembered(visit, user: user)
        let call = ConsoleCall(
            endpoint: Endpoint.all[index],
            form: visit.form,
            files: visit.files,
            token: kept?.token,
            signingSecret: kept.flatMap { $0.client.enforceSigned ? $0.client.clientSecret : nil }
        )
        let answer = try await localAPI.call(
            call.request,
            channel: channel,
            logger: web.dependencies.logger,
            requestID: storage.environment.randomHex(bytes: 8)
        )
        let exchange = Exchange(
            index: index,
            request: call.described(publicURL: web.dependencies.links.publicURL),
            response: ConsoleCall.described(answer),
            status: Int(answer.status.code)
        )
        return try await page(visit, user: user, exchange: exchange)
    }

    /// `sig` for a call by one of the person's clients that enforces signed requests: `endpoint` (as `/users/self`)
    /// and `parameters` (URL-encoded, every parameter the call sends); answered as JSON.
    @Sendable private func sign(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let client = try await client(visit.form.value("client"), user: user)
        guard let endpoint = visit.form.value("endpoint"), endpoint.hasPrefix("/"), endpoint.utf8.count <= 500 else {
            throw WebError(status: .badRequest, message: "Name the endpoint to sign.")
        }
        let parameters = Parameters(urlEncoded: Substring(visit.form.value("parameters") ?? "")).pairs.filter { $0.name != "sig" }
        let sig = SignedRequests.hmacHex(client.clientSecret, SignedRequests.message(endpoint, parameters.map { ($0.name, $0.value) }))
        var writer = JSONWriter(capacity: 128)
        writer.object { $0.pair("sig", sig) }
        return Envelope.response(status: .ok, body: writer.buffer)
    }
}
