import DarkroomCore
import DarkroomStorage
import HTTPTypes
import Hummingbird

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
            guard let grant = try await storage.grants.resolve(token) else { throw APIError.invalidAccessToken }
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
