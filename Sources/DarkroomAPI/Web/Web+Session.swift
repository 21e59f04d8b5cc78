import DarkroomCore
import DarkroomStorage
import Foundation
import HTTPTypes
import Hummingbird

// Reading a page request: its input, its cookies and who is signed in.
extension Web {
    /// Reads a page request by `RequestInput`'s rules (pages may post photos, admitted like the API's uploads) and
    /// finds who is signed in.
    func visit(_ request: Request, context: AppRequestContext) async throws -> Visit {
        var request = request
        let input: RequestInput
        let sessions = dependencies.storage.sessions
        // A photo form's bytes are read only for someone signed in.
        let rules = RequestInput.Rules(multipart: (dependencies.uploadLimit, dependencies.ingest, dependencies.bodyBudget)) { request, _ in
            guard let session = request.cookies[Self.sessionCookie]?.value, try await sessions.user(for: session) != nil else {
                throw APIError(type: "APINotAllowedError", code: 403, message: "Log in before sending a photo.")
            }
        }
        do {
            input = try await RequestInput.of(&request, context: context, rules: rules)
        } catch {
            throw WebError(status: .init(code: error.code), message: error.message)
        }
        let cookies = request.cookies
        var user: User?
        var isOperator = false
        var involvedInBlocks = false
        let sessionID = cookies[Self.sessionCookie]?.value
        if let sessionID, let visitor = try await dependencies.storage.sessions.visitor(for: sessionID) {
            user = visitor.user
            isOperator = visitor.isOperator
            involvedInBlocks = visitor.involvedInBlocks
            context.observations.userID = visitor.user.id
        }
        let existingCSRF = cookies[Self.csrfCookie].flatMap { $0.value.count == 64 ? $0.value : nil }
        let query = request.uri.query ?? ""
        return Visit(
            query: input.query,
            form: input.form,
            files: input.files,
            cookies: cookies,
            user: user,
            sessionID: user == nil ? nil : sessionID,
            csrf: existingCSRF ?? dependencies.storage.environment.randomHex(bytes: 32),
            issuesCSRFCookie: existingCSRF == nil,
            path: request.uri.path,
            pathAndQuery: request.uri.path + (query.isEmpty ? "" : "?" + query),
            remoteHost: context.remoteHost,
            isOperator: isOperator,
            involvedInBlocks: involvedInBlocks
        )
    }
}
