import DarkroomCore
import DarkroomStorage
import HTTPTypes
import Hummingbird

/// What a route needs from its caller: `EndpointAccess.table` gives one for every `/v1` route; `Credentials` enforces it.
enum Access: Sendable {
    /// An app's client_id is enough, or a user's token with this scope.
    case clientOrUser(Scope)
    /// A user's token with this scope.
    case user(Scope)
}

/// Registers `/v1` routes: each handler gets the parsed parameters and an authenticated caller,
/// and answers a finished response (built by a serializer inside the envelope).
struct APIRoutes {
    let router: Router<AppRequestContext>
    let dependencies: Dependencies

    typealias Handler = @Sendable (APIRequest) async throws -> Response

    func get(_ path: String, _ handler: @escaping Handler) { add(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { add(.post, path, handler) }
    func delete(_ path: String, _ handler: @escaping Handler) { add(.delete, path, handler) }

    private func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        let access = EndpointAccess.of(method, path)
        let names = path.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
        let dependencies = self.dependencies
        router.on(RouterPath("/v1" + path), method: method) { request, context in
            var request = request
            let limiter = dependencies.rateLimiter
            var allowance = (limit: limiter.perToken, remaining: limiter.perToken)
            var response: Response
            do {
                let (parameters, queryCount, files) = try await Self.parameters(of: &request, context: context, ingest: dependencies)
                let caller = try await Credentials(storage: dependencies.storage).authenticate(
                    parameters, headers: request.headers, access: access, path: request.uri.path)
                // Counted before the signature is checked: refused calls count too.
                let decision = try await limiter.hit(caller)
                allowance = (decision.limit, decision.remaining)
                guard decision.allowed else { throw APIError.rateLimited }
                let endpoint = String(request.uri.path.dropFirst(3))
                try SignedRequests.verify(caller, parameters: parameters, queryCount: queryCount, endpoint: endpoint, headers: request.headers)
                var pathParameters: [String: String] = [:]
                for name in names { pathParameters[name] = context.parameters.get(name) }
                let apiRequest = APIRequest(
                    parameters: parameters, caller: caller, endpoint: endpoint, query: request.uri.query ?? "",
                    pathParameters: pathParameters, links: dependencies.links, files: files, headers: request.headers)
                response = try await handler(apiRequest)
            } catch {
                response = APIErrorMiddleware.response(for: error, path: request.uri.path, logger: dependencies.logger)
            }
            response.headers[.rateLimitLimit] = String(allowance.limit)
            response.headers[.rateLimitRemaining] = String(allowance.remaining)
            return response
        }
    }

    /// Query parameters, then a url-encoded or multipart form body, and the files of a multipart one. A POST without a
    /// Content-Type is read as a form (python-instagram sends its token exchange that way). Only multipart bodies
    /// (uploads) may be larger than the usual limit.
    private static func parameters(
        of request: inout Request, context: AppRequestContext, ingest dependencies: Dependencies
    ) async throws -> (Parameters, queryCount: Int, files: [String: [UInt8]]) {
        var parameters = Parameters(urlEncoded: Substring(request.uri.query ?? ""))
        let queryCount = parameters.pairs.count
        var files: [String: [UInt8]] = [:]
        if request.method != .get, request.method != .head {
            let type = request.headers[.contentType] ?? ""
            if type.isEmpty || type.lowercased().hasPrefix("application/x-www-form-urlencoded") {
                let body = try await request.collectBody(upTo: context.maxUploadSize)
                parameters.append(contentsOf: Parameters(urlEncoded: Substring(String(buffer: body))))
            } else if let boundary = MultipartForm.boundary(ofContentType: type) {
                guard !dependencies.ingest.isFull else { throw APIError.busy }
                let form = try MultipartForm(parsing: try await request.collectBody(upTo: dependencies.uploadLimit), boundary: boundary)
                for part in form.parts {
                    if part.isFile {
                        files[part.name] = part.body
                    } else {
                        parameters.append(contentsOf: Parameters(pairs: [(part.name, String(decoding: part.body, as: UTF8.self))]))
                    }
                }
            }
        }
        try parameters.refuseNUL()
        return (parameters, queryCount, files)
    }
}

/// Turns the credentials on a request into a caller, or the v1 error that says what is wrong.
struct Credentials {
    let storage: Storage

    func authenticate(_ parameters: Parameters, headers: HTTPFields, access: Access, path: String) async throws -> Caller {
        let caller = try await resolve(parameters, headers: headers)
        switch (access, caller) {
        case (_, nil):
            throw APIError.missingCredentials
        case (.user, .app?):
            throw path.split(separator: "/").contains("self") ? APIError.selfRequiresUser : APIError.missingCredentials
        case (.clientOrUser(let scope), .user(let grant)?), (.user(let scope), .user(let grant)?):
            guard grant.scopes.contains(scope) else { throw APIError.missingScope(scope) }
            return .user(grant)
        case (.clientOrUser, let caller?):
            return caller
        }
    }

    private func resolve(_ parameters: Parameters, headers: HTTPFields) async throws -> Caller? {
        if let token = parameters.value("access_token") ?? Self.headerToken(headers) {
            guard let grant = try await storage.tokens.resolve(token) else { throw APIError.invalidAccessToken }
            return .user(grant)
        }
        if let clientID = parameters.value("client_id") {
            guard let client = try await storage.clients.find(clientID: clientID) else { throw APIError.invalidClientID }
            return .app(client)
        }
        return nil
    }

    /// The Ruby gem's `Authorization: Token token="…"`.
    private static func headerToken(_ headers: HTTPFields) -> String? {
        guard let value = headers[.authorization], value.hasPrefix("Token token=") else { return nil }
        return value.dropFirst("Token token=".count).trimmingCharacters(in: "\"")
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text.removeFirst() }
        while text.last == set { text.removeLast() }
        return String(text)
    }
}
