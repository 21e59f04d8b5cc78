import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// The API console (reference §8), at `/developer/console`: every v1 endpoint with its parameters, called from the
/// page with the person's own token — made on the spot with the scopes they tick, for the server's first-party
/// "API console" client or one of their own clients, and revocable like any other. The page's script (the one page
/// with script: the console is a developer's tool) sends each request from the browser and shows the request — with
/// `sig` when the client enforces signed requests, computed here, since the secret never leaves the server — and
/// the answer's status, headers and JSON.
struct ConsoleController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    static let consoleClient = "console"

    func addRoutes(to routes: WebRoutes, router: Router<AppRequestContext>) {
        routes.get("/developer/console") { visit in try await page(visit, user: try visit.requireUser()) }
        routes.post("/developer/console/token", makeToken)
        routes.post("/developer/console/sign", sign)
        let script = ByteBuffer(bytes: web.dependencies.templates.consoleScript)
        router.get("/static/console.js") { _, _ in
            Response(
                status: .ok,
                headers: [
                    .contentType: "application/javascript; charset=utf-8", .cacheControl: "public, max-age=3600", .xContentTypeOptions: "nosniff",
                ],
                body: .init(byteBuffer: script)
            )
        }
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

    private func page(
        _ visit: Web.Visit,
        user: User,
        token: String? = nil,
        client: Client? = nil,
        scopes: Set<Scope> = [.basic]
    ) async throws -> Response {
        let own = try await storage.clients.owned(by: user.id)
        let endpoints = Endpoint.all.enumerated().map { index, endpoint -> [String: Any] in
            let scope =
                switch endpoint.access {
                case .clientOrUser(let scope): "client_id, or a token (\(scope.rawValue))"
                case .user(let scope): "a token with \(scope.rawValue)"
                }
            return [
                "index": index, "method": endpoint.method.rawValue, "path": endpoint.displayPath, "summary": endpoint.summary,
                "needs": scope,
                "multipart": endpoint.parameters.contains { $0.place == .file },
                "parameters": endpoint.parameters.map {
                    ["name": $0.name, "place": $0.place.rawValue, "hint": $0.hint, "isFile": $0.place == .file]
                },
            ]
        }
        return web.page(
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
    }

    @Sendable private func makeToken(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let client = try await client(visit.form.value("client"), user: user)
        var scopes: Set<Scope> = [.basic]
        for scope in [Scope.comments, .relationships, .likes, .upload] where visit.form.value("scope_" + scope.rawValue) == "on" {
            scopes.insert(scope)
        }
        let token = try await storage.tokens.create(userID: user.id, client: client, scopes: scopes)
        return try await page(visit, user: user, token: token, client: client, scopes: scopes)
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
