import DarkroomCore
import DarkroomStorage
import HTTPTypes
import Hummingbird

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
