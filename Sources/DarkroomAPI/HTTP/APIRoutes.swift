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
        let pipeline = APIPipeline(
            dependencies: dependencies,
            access: EndpointAccess.of(method, path),
            writeKind: EndpointAccess.writeKind(method, path),
            pathNames: path.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) },
            handler: handler
        )
        router.on(RouterPath("/v1" + path), method: method) { request, context in await pipeline.respond(to: request, context: context) }
    }
}

/// Every `/v1` call, in the order a reader sees here: read the input → authenticate → count against the rate limit →
/// verify the signatures → count against the write limit of likes, comments or relationships → the handler → the
/// rate-limit headers, on every answer, error or not.
struct APIPipeline: Sendable {
    let dependencies: Dependencies
    let access: Access
    /// The per-endpoint write limit the route counts against, if any.
    let writeKind: WriteLimits.Kind?
    /// The names of the route's path parameters (`:user_id` …).
    let pathNames: [String]
    let handler: APIRoutes.Handler
    /// How this route reads bodies: made once when the route is registered, not on every call.
    let inputRules: RequestInput.Rules

    init(dependencies: Dependencies, access: Access, writeKind: WriteLimits.Kind?, pathNames: [String], handler: @escaping APIRoutes.Handler) {
        self.dependencies = dependencies
        self.access = access
        self.writeKind = writeKind
        self.pathNames = pathNames
        self.handler = handler
        let storage = dependencies.storage
        inputRules = RequestInput.Rules(multipart: (dependencies.uploadLimit, dependencies.ingest, dependencies.bodyBudget)) { request, query in
            _ = try await Credentials(storage: storage).authenticate(query, headers: request.headers, access: access, path: request.uri.path)
        }
    }

    typealias Allowance = (limit: Int, remaining: Int, allowed: Bool)

    func respond(to request: Request, context: AppRequestContext) async -> Response {
        var request = request
        var allowance: Allowance = (dependencies.rateLimiter.perToken, dependencies.rateLimiter.perToken, true)
        var response: Response
        do {
            let input = try await readInput(&request, context: context)
            let caller = try await authenticate(input, request)
            context.observations.userID = caller.userID
            allowance = try await rateLimit(caller)
            guard allowance.allowed else { throw APIError.rateLimited }
            let signed = try verifySignature(caller, input, request)
            try await limitWrites(caller, signed: signed)
            // From here reads may use a replica, seeing this caller's own writes (`ReplicatedDatabase`).
            let session = ReadSession(user: caller.userID)
            response = try await ReadSession.$current.withValue(session) {
                try await handler(apiRequest(input, caller: caller, request, context: context))
            }
        } catch {
            response = APIErrorMiddleware.response(for: error, path: request.uri.path, logger: context.logger)
        }
        addRateLimitHeaders(allowance, to: &response)
        return response
    }

    /// The query and body by `RequestInput`'s rules; only uploads may send multipart bodies, as large as the upload limit,
    /// and only once the credentials in the query or a header have passed the route's `Access`: a photo's bytes are
    /// never read for a caller who could not post it.
    func readInput(_ request: inout Request, context: AppRequestContext) async throws(APIError) -> RequestInput {
        try await RequestInput.of(&request, context: context, rules: inputRules)
    }

    /// The caller the credentials name, as far as the route's `Access` allows (`Credentials`).
    func authenticate(_ input: RequestInput, _ request: Request) async throws -> Caller {
        try await Credentials(storage: dependencies.storage).authenticate(
            input.parameters,
            headers: request.headers,
            access: access,
            path: request.uri.path
        )
    }

    /// Counts the call, before the signature is checked: refused calls count too, as on the platform.
    func rateLimit(_ caller: Caller) async throws -> Allowance {
        let decision = try await dependencies.rateLimiter.hit(caller)
        return (decision.limit, decision.remaining, decision.allowed)
    }

    /// `sig` and `X-Insta-Forwarded-For` (`SignedRequests`); answers whether the call carried a valid signed header.
    func verifySignature(_ caller: Caller, _ input: RequestInput, _ request: Request) throws(APIError) -> Bool {
        try SignedRequests.verify(
            caller,
            parameters: input.parameters,
            queryCount: input.query.pairs.count,
            endpoint: endpoint(request),
            headers: request.headers,
            isWrite: request.method != .get && request.method != .head
        )
    }

    /// The per-endpoint write limits (off unless configured), per token and hour, higher for signed calls; refused
    /// calls count too.
    func limitWrites(_ caller: Caller, signed: Bool) async throws {
        guard let writeKind, let limit = dependencies.writeLimits[writeKind], case .user(let grant) = caller else { return }
        let decision = try await dependencies.rateLimiter.hit(
            bucket: "\(writeKind.rawValue):token:\(grant.tokenID)",
            limit: signed ? limit.signed : limit.unsigned
        )
        guard decision.allowed else { throw APIError.writeRateLimited(writeKind.rawValue) }
    }

    func apiRequest(_ input: RequestInput, caller: Caller, _ request: Request, context: AppRequestContext) -> APIRequest {
        var pathParameters: [String: String] = [:]
        for name in pathNames { pathParameters[name] = context.parameters.get(name) }
        return APIRequest(
            parameters: input.parameters,
            caller: caller,
            endpoint: endpoint(request),
            query: request.uri.query ?? "",
            pathParameters: pathParameters,
            links: dependencies.links,
            files: input.files,
            headers: request.headers
        )
    }

    func addRateLimitHeaders(_ allowance: Allowance, to response: inout Response) {
        response.headers[.rateLimitLimit] = String(allowance.limit)
        response.headers[.rateLimitRemaining] = String(allowance.remaining)
    }

    /// The path after `/v1`, already normalized.
    private func endpoint(_ request: Request) -> String { String(request.uri.path.dropFirst(3)) }
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
