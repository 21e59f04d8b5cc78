import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// `POST /oauth/access_token`: answers with no envelope, as v1 did — `{access_token, user}` or
/// `{code, error_type, error_message}` — plus RFC 6749's `error`.
struct TokenEndpoint: Sendable {
    let storage: Storage
    let links: Links
    let throttle: LoginThrottle

    struct Failure: Error {
        var error: String
        var message: String
        var status: HTTPResponse.Status = .badRequest
        var errorType = "OAuthException"
    }

    func respond(to request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        do {
            let fields: Parameters
            do {
                fields = try await RequestInput.of(&request, context: context, rules: .init(refusesOtherTypes: true)).parameters
            } catch {
                throw Failure(error: "invalid_request", message: error.message, status: .init(code: error.code))
            }
            let client = try await authenticateClient(fields)
            let (user, token) = try await grant(fields, client: client, from: context.remoteHost)
            var writer = JSONWriter(capacity: 512)
            writer.object { body in
                body.pair("access_token", token)
                body.key("user")
                body.object { object in
                    object.idPair("id", user.id.rawValue)
                    object.pair("username", user.summary.username)
                    object.pair("full_name", user.summary.fullName)
                    object.pair("profile_picture", links.profilePicture(user.summary.profilePicture))
                }
            }
            return Self.json(.ok, writer.buffer)
        } catch let failure as Failure {
            var writer = JSONWriter(capacity: 256)
            writer.object { body in
                body.pair("code", Int(failure.status.code))
                body.pair("error_type", failure.errorType)
                body.pair("error_message", failure.message)
                body.pair("error", failure.error)
            }
            return Self.json(failure.status, writer.buffer)
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ body: ByteBuffer) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: body)
        )
    }

    private func authenticateClient(_ fields: Parameters) async throws -> Client {
        guard let clientID = fields.value("client_id"), !clientID.isEmpty else {
            throw Failure(error: "invalid_client", message: "You must provide a client_id")
        }
        guard let client = try await storage.clients.find(clientID: clientID),
            ConstantTime.equal(fields.value("client_secret") ?? "", client.clientSecret)
        else { throw Failure(error: "invalid_client", message: "Invalid Client ID or client secret", status: .badRequest) }
        return client
    }

    private func grant(_ fields: Parameters, client: Client, from address: String) async throws -> (User, String) {
        switch fields.value("grant_type") {
        case "authorization_code":
            guard let code = fields.value("code"), let redirectURI = fields.value("redirect_uri") else {
                throw Failure(error: "invalid_request", message: "You must provide code and redirect_uri")
            }
            let verifier = fields.value("code_verifier")
            guard
                case .granted(let userID, let token) = try await storage.codes.exchange(
                    code,
                    client: client,
                    redirectURI: redirectURI,
                    verifier: verifier
                ),
                let user = try await storage.users.find(userID)
            else {
                throw Failure(error: "invalid_grant", message: "Matching code was not found or was already used.")
            }
            return (user, token)
        case "password":
            guard client.trusted else {
                throw Failure(error: "unauthorized_client", message: "This client may not use the password grant.")
            }
            let parsed = Scope.parseList(fields.value("scope") ?? "")
            guard parsed.unknown.isEmpty else {
                throw Failure(error: "invalid_scope", message: "Invalid scope field(s): \(parsed.unknown.joined(separator: ", "))")
            }
            let username = fields.value("username") ?? ""
            guard try await !throttle.isBlocked(address: address, username: username) else {
                throw Failure(
                    error: "slow_down",
                    message: "Too many failed log-ins; wait a few minutes.",
                    status: .tooManyRequests,
                    errorType: "OAuthRateLimitException"
                )
            }
            guard let user = try await storage.users.authenticate(username: username, password: fields.value("password") ?? "") else {
                try await throttle.recordFailure(address: address, username: username)
                throw Failure(error: "invalid_grant", message: "The username or password is not right.")
            }
            // A password alone cannot pass a second factor, and this grant has no way to ask for one (Pixelfed's
            // #3328 and #3175 were this bypass). Said only after the password was right, so it tells a guesser nothing.
            guard try await !storage.twoFactor.isEnabled(for: user.id) else {
                throw Failure(
                    error: "invalid_grant",
                    message: "This account uses two-factor sign-in, which the password grant cannot ask for: sign in through the browser "
                        + "(/oauth/authorize) instead."
                )
            }
            return (user, try await storage.tokens.create(userID: user.id, client: client, scopes: parsed.scopes))
        default:
            throw Failure(error: "unsupported_grant_type", message: "grant_type must be authorization_code or password")
        }
    }
}
