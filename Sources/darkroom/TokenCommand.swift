import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage access tokens.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an access token for a user and client; prints it.")
        @OptionGroup var storage: StorageOptions
        @Option var username: String
        @Option var clientId: String
        @Option(help: "Space-separated scopes.") var scope = "basic"

        func run() async throws {
            let (scopes, unknown) = Scope.parseList(scope)
            guard unknown.isEmpty else { throw ValidationError("unknown scopes: \(unknown.joined(separator: ", "))") }
            let (token, user) = try await withStorage(storage) { opened in
                guard let user = try await opened.users.find(username: username) else { throw ValidationError("no user \(username)") }
                guard let client = try await opened.clients.find(clientID: clientId) else { throw ValidationError("no client \(clientId)") }
                return (try await opened.tokens.create(userID: user.id, client: client, scopes: scopes, fresh: true), user)
            }
            try printJSON(["access_token": token, "user_id": user.id.description, "scope": Scope.render(scopes)])
        }
    }
}

/// `--username` and/or `--client-id`, resolved.
struct TokenOwners: ParsableArguments {
    @Option(help: "The tokens of this user.") var username: String?
    @Option(help: "The tokens of this client.") var clientId: String?

    func resolve(in storage: Storage) async throws -> (UserID?, ClientRecordID?) {
        var user: UserID?
        var found: ClientRecordID?
        if let username { user = try await account(named: username, in: storage).user.id }
        if let clientId { found = try await client(withID: clientId, in: storage).ref }
        return (user, found)
    }
}

extension TokenCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List live tokens (with --all, revoked ones too) of a user, a client, or both.")
        @OptionGroup var storage: StorageOptions
        @OptionGroup var owners: TokenOwners
        @Flag(help: "Include revoked tokens.") var all = false

        func run() async throws {
            let tokens = try await withStorage(storage) { storage in
                let (user, client) = try await owners.resolve(in: storage)
                return try await storage.operators.tokens(user: user, client: client, includingRevoked: all)
            }
            try printJSON([
                "tokens": tokens.map { token -> [String: Any] in
                    [
                        "id": token.id.description, "user_id": token.userID.description, "username": token.username, "client_id": token.clientID,
                        "scope": token.scopes, "created_time": token.createdAt, "revoked_time": token.revokedAt ?? NSNull(),
                    ]
                }
            ])
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke every live token of a user, of a client, or of a user with one client.")
        @OptionGroup var storage: StorageOptions
        @OptionGroup var owners: TokenOwners

        func validate() throws {
            guard owners.username != nil || owners.clientId != nil else { throw ValidationError("name a --username, a --client-id, or both") }
        }

        func run() async throws {
            let count = try await withStorage(storage) { storage in
                let (user, client) = try await owners.resolve(in: storage)
                return try await storage.operators.revokeTokens(user: user, client: client)
            }
            try printJSON(["revoked": count])
        }
    }
}
