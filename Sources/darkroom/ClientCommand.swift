import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation

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
            let client = try await withStorage(storage) { try await $0.clients.create(name: name, redirectURIs: redirectUri, trusted: trusted) }
            try printJSON([
                "client_id": client.clientID, "client_secret": client.clientSecret, "name": client.name, "redirect_uris": client.redirectURIs,
            ])
        }
    }
}

extension ClientCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every client, newest first (never its secret).")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let clients = try await withStorage(storage) { try await $0.operators.clients() }
            try printJSON(["clients": clients.map { describe($0.client, users: $0.users) }])
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one client (never its secret).")
        @OptionGroup var storage: StorageOptions
        @Option var clientId: String

        func run() async throws {
            let found = try await withStorage(storage) { storage in
                let found = try await client(withID: clientId, in: storage)
                let users = try await storage.operators.clients(only: found.ref).first?.users ?? 0
                return describe(found, users: users)
            }
            try printJSON(found)
        }
    }

    struct Trust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a client use the password grant (xAuth), for an app the operator runs.")
        @OptionGroup var storage: StorageOptions
        @Option var clientId: String

        func run() async throws { try await setTrust(storage, clientId, true) }
    }

    struct Untrust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a client using the password grant.")
        @OptionGroup var storage: StorageOptions
        @Option var clientId: String

        func run() async throws { try await setTrust(storage, clientId, false) }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a client with its tokens and codes: every app using it stops at once.")
        @OptionGroup var storage: StorageOptions
        @Option var clientId: String

        func run() async throws {
            let name = try await withStorage(storage) { storage in
                let found = try await client(withID: clientId, in: storage)
                try await storage.clients.delete(found.ref)
                return found.name
            }
            try printJSON(["client_id": clientId, "name": name, "deleted": true])
        }
    }
}

private func setTrust(_ options: StorageOptions, _ clientID: String, _ trusted: Bool) async throws {
    let updated = try await withStorage(options) { storage in
        let found = try await client(withID: clientID, in: storage)
        try await storage.operators.setTrusted(found.ref, trusted)
        return try await client(withID: clientID, in: storage)
    }
    try printJSON(describe(updated))
}
