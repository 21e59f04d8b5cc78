import DarkroomCore
import DarkroomStorage
import Hummingbird

/// Registers page routes: each handler gets a parsed `Web.Visit`; failures become pages, not JSON.
struct WebRoutes {
    let router: Router<AppRequestContext>
    let web: Web

    typealias Handler = @Sendable (Web.Visit) async throws -> Response
    /// Answers a request whose input was refused, with what is known of the visit (who, and any fields kept).
    typealias RefusalHandler = @Sendable (Web.RefusedInput) async throws -> Response

    func get(_ path: String, _ handler: @escaping Handler) { add(.get, path, handler) }

    /// A form POST: the CSRF check runs before the handler. `refused` shows refused input on the form's own page;
    /// without it a message page says what was wrong.
    func post(_ path: String, checkingCSRF: Bool = true, refused: RefusalHandler? = nil, _ handler: @escaping Handler) {
        guard checkingCSRF else { return add(.post, path, refused: refused, handler) }
        let web = self.web
        add(.post, path, refused: refused) { visit in
            try web.requireCSRF(visit)
            return try await handler(visit)
        }
    }

    private func add(_ method: HTTPRequest.Method, _ path: String, refused: RefusalHandler? = nil, _ handler: @escaping Handler) {
        let web = self.web
        router.on(RouterPath(path), method: method) { request, context in
            let visit: Web.Visit
            do {
                visit = try await web.visit(request, context: context)
            } catch let refusal as Web.RefusedInput {
                if let refused { return try await refused(refusal) }
                let status = HTTPResponse.Status(code: refusal.error.code)
                return web.message(Self.title(status), status: status, refusal.visit, error: refusal.error.forPeople)
            } catch let error as DatabaseError where error.isTransient {
                // No visit to answer with: a bare one, without the session or a form.
                let bare = Web.Visit(
                    query: Parameters(),
                    form: Parameters(),
                    files: [:],
                    cookies: Cookies(from: []),
                    user: nil,
                    sessionID: nil,
                    csrf: "",
                    issuesCSRFCookie: false,
                    path: request.uri.path,
                    pathAndQuery: request.uri.path,
                    remoteHost: context.remoteHost
                )
                return web.message("Try again in a moment", status: .serviceUnavailable, bare, error: APIError.unavailable.message)
            }
            do {
                // Reads may use a replica once the visitor is known, seeing their own writes (`ReplicatedDatabase`).
                let session = ReadSession(user: visit.user?.id)
                return try await ReadSession.$current.withValue(session) { try await handler(visit) }
            } catch let redirect as WebRedirect {
                return web.redirect(to: redirect.location)
            } catch let error as WebError {
                return web.message(Self.title(error.status), status: error.status, visit, error: error.message)
            } catch let error as APIError {
                return web.message(Self.title(.init(code: error.code)), status: .init(code: error.code), visit, error: error.forPeople)
            } catch let error as DomainError {
                let page = WebError(error)
                return web.message(Self.title(page.status), status: page.status, visit, error: page.message)
            } catch let error as DatabaseError where error.isTransient {
                return web.message("Try again in a moment", status: .serviceUnavailable, visit, error: APIError.unavailable.message)
            }
        }
    }
}

extension WebRoutes {
    /// A failure page's heading, by what went wrong.
    static func title(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "Page not found"
        case 403: "Not allowed"
        case 413: "Too large"
        case 429: "Too many tries"
        case 400..<500: "That did not work"
        case 503: "Try again in a moment"
        default: "Something is wrong"
        }
    }
}

extension Web.Visit {
    /// A page's cursor from the query (`max_id`, `cursor`): nil when absent, refused when it is not a positive id.
    func cursor(_ name: String) throws(WebError) -> Int64? {
        guard let raw = query.value(name) else { return nil }
        guard let id = Int64(raw), id > 0 else { throw WebError(status: .badRequest, message: "That page does not exist.") }
        return id
    }

    /// The signed-in user, or a redirect to the log-in page that comes back here.
    func requireUser() throws(WebRedirect) -> User {
        guard let user else { throw WebRedirect(location: "/accounts/login?next=" + Parameters.encode(pathAndQuery)) }
        return user
    }

    /// The signed-in operator (an admin page's visitor); anyone else finds no such page.
    func requireOperator() throws -> User {
        let user = try requireUser()
        guard isOperator else { throw WebError(status: .notFound, message: "There is no such page.") }
        return user
    }
}

extension Web {
    /// How an operator acting from the admin pages is named in the moderation log.
    static func moderationActor(_ user: User) -> String { "@\(user.username) (web)" }
}
