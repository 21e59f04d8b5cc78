import DarkroomCore
import DarkroomStorage
import Foundation
import HTTPTypes
import Hummingbird

// Reading a page request: its input, its cookies and who is signed in.
extension Web {
    /// Finds who is signed in, then reads a page request by `RequestInput`'s rules (pages may post photos, admitted
    /// like the API's uploads). Input that is refused throws `RefusedInput`, which still knows the visitor.
    /// With `readingBody` false the body is left unread, for a route that streams it itself (an archive's upload).
    func visit(_ request: Request, context: AppRequestContext, readingBody: Bool = true) async throws -> Visit {
        var request = request
        let cookies = request.cookies
        var user: User?
        var isOperator = false
        var involvedInBlocks = false
        var unreadActivity = 0
        let sessionID = cookies[Self.sessionCookie]?.value
        if let sessionID, let visitor = try await dependencies.storage.sessions.visitor(for: sessionID) {
            user = visitor.user
            isOperator = visitor.isOperator
            involvedInBlocks = visitor.involvedInBlocks
            unreadActivity = visitor.unreadActivity
            context.observations.userID = visitor.user.id
            if dependencies.storage.environment.nowSeconds - visitor.lastSeenAt >= SessionStore.lastSeenResolution {
                try await dependencies.storage.sessions.touch(sessionID, from: context.remoteHost)
            }
        }
        let existingCSRF = cookies[Self.csrfCookie].flatMap { $0.value.count == 64 ? $0.value : nil }
        let query = request.uri.query ?? ""
        var visit = Visit(
            query: Parameters(urlEncoded: Substring(query)),
            form: Parameters(),
            files: [:],
            cookies: cookies,
            user: user,
            sessionID: user == nil ? nil : sessionID,
            csrf: existingCSRF ?? dependencies.storage.environment.randomHex(bytes: 32),
            issuesCSRFCookie: existingCSRF == nil,
            path: request.uri.path,
            pathAndQuery: request.uri.path + (query.isEmpty ? "" : "?" + query),
            remoteHost: context.remoteHost,
            isOperator: isOperator,
            involvedInBlocks: involvedInBlocks,
            unreadActivity: unreadActivity,
            channel: context.channel,
            userAgent: String((request.headers[.userAgent] ?? "").prefix(512))
        )
        guard readingBody else { return visit }
        // A photo form's bytes are read only for someone signed in.
        let signedIn = user != nil
        let rules = RequestInput.Rules(multipart: (dependencies.uploadLimit, dependencies.ingest, dependencies.bodyBudget)) { _, _ in
            guard signedIn else { throw APIError(type: "APINotAllowedError", code: 403, message: "Log in before sending a photo.") }
        }
        do {
            let input = try await RequestInput.of(&request, context: context, rules: rules)
            visit.query = input.query
            visit.form = input.form
            visit.files = input.files
        } catch {
            if error.code == 413, signedIn, let boundary = request.headers[.contentType].flatMap(MultipartForm.boundary(ofContentType:)) {
                // The form's fields that came before its files (the caption), so the page that says so can keep them.
                visit.form = MultipartForm.leadingFields(of: await RequestInput.prefix(of: request.body), boundary: boundary)
            }
            throw RefusedInput(visit: visit, error: error, declaredBytes: request.headers[.contentLength].flatMap { Int($0) })
        }
        return visit
    }

    /// A page request whose input was refused (too large, too slow, malformed), with what is known of its visit.
    struct RefusedInput: Error {
        var visit: Visit
        var error: APIError
        /// The size the request said its body was.
        var declaredBytes: Int?
    }
}
