import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomStorage

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage users.",
        subcommands: [Create.self, List.self, Show.self, Promote.self, ResetPassword.self, Suspend.self, Unsuspend.self, Delete.self, Export.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; prints it as JSON.")
        @OptionGroup var storage: StorageOptions
        @Option var username: String
        @Flag(
            help:
                """
                Read the password from the first line of standard input (else it is asked for at the terminal; never an argument, which the process \
                list shows).
                """
        )
        var passwordStdin = false
        @Option var fullName = ""
        @Option var bio = ""
        @Option var website = ""
        @Flag(help: "Make the account private.") var `private` = false

        func run() async throws {
            let password = try passwordStdin ? Terminal.firstLineOfStandardInput() : Terminal.readSecret(prompt: "Password for \(username): ")
            let opened = try await storage.open()
            do {
                let username = try Validation.username(username)
                try PasswordPolicy.check(password, username: username)
                let user = try await opened.users.create(
                    NewUser(
                        username: username,
                        passwordHash: try await PasswordHasher.hash(password),
                        fullName: fullName,
                        bio: bio,
                        website: website,
                        isPrivate: `private`
                    )
                )
                try printJSON(["id": user.id.description, "username": user.username, "full_name": user.summary.fullName, "private": user.isPrivate])
            } catch {
                await opened.database.close()
                guard let message = (error as? APIError)?.message ?? (error as? DomainError)?.message else { throw error }
                throw ValidationError(message)
            }
            await opened.database.close()
        }
    }
}

struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Manage API clients.",
        subcommands: [Create.self, List.self, Show.self, Trust.self, Untrust.self, Delete.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a client; prints its client_id and client_secret.")
        @OptionGroup var storage: StorageOptions
        @Option var name: String
        @Option(help: "A redirect URI; repeat for several.") var redirectUri: [String]
        @Flag(help: "Trust the client with the password grant.") var trusted = false

        func run() async throws {
            let opened = try await storage.open()
            let client = try await opened.clients.create(name: name, redirectURIs: redirectUri, trusted: trusted)
            try printJSON([
                "client_id": client.clientID, "client_secret": client.clientSecret, "name": client.name, "redirect_uris": client.redirectURIs,
            ])
            await opened.database.close()
        }
    }
}

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
            let opened = try await storage.open()
            defer { Task { await opened.database.close() } }
            guard let user = try await opened.users.find(username: username) else { throw ValidationError("no user \(username)") }
            guard let client = try await opened.clients.find(clientID: clientId) else { throw ValidationError("no client \(clientId)") }
            let (scopes, unknown) = Scope.parseList(scope)
            guard unknown.isEmpty else { throw ValidationError("unknown scopes: \(unknown.joined(separator: ", "))") }
            let token = try await opened.tokens.create(userID: user.id, client: client, scopes: scopes)
            try printJSON(["access_token": token, "user_id": user.id.description, "scope": Scope.render(scopes)])
        }
    }
}
