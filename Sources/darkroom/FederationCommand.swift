import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation

struct FederationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation",
        abstract: "Other servers: policies for whole servers (Mastodon's domain blocks), and deliveries waiting for them.",
        subcommands: [Servers.self, Policy.self, ImportBlocks.self, ExportBlocks.self, Deliveries.self]
    )

    struct Servers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the servers with a policy, or that stopped answering.")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let entries = try await withStorage(storage) { try await $0.federation.domains() }
            try printJSON([
                "servers": entries.map { entry in
                    [
                        "domain": entry.domain, "policy": entry.policy.rawValue, "note": entry.note,
                        "unavailable_since": entry.unavailableSince.map { String($0) } ?? NSNull(),
                    ] as [String: Any]
                }
            ])
        }
    }

    struct Policy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a server's policy: suspend, limit, reject-media or none.",
            discussion: """
                suspend: nothing to or from it, and its accounts suspended here. limit: its accounts' posts only for their \
                followers here. reject-media: its posts are not taken.
                """
        )
        @OptionGroup var storage: StorageOptions
        @Option(help: "The server, e.g. social.example.") var domain: String
        @Option(help: "suspend, limit, reject-media or none.") var set: String
        @Option(help: "Why (kept with the policy and in the moderation log).") var note: String = ""

        func run() async throws {
            guard let policy = DomainPolicy(rawValue: set.replacingOccurrences(of: "-", with: "_")) else {
                throw ValidationError("--set takes suspend, limit, reject-media or none")
            }
            try await withStorage(storage) { try await $0.setDomainPolicy(domain, policy: policy, note: note, actor: commandLineActor) }
            try printJSON(["domain": domain.lowercased(), "policy": policy.rawValue])
        }
    }

    struct ImportBlocks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-blocks",
            abstract: "Apply a domain-block list as Mastodon exports it (#domain,#severity,#reject_media,…)."
        )
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The CSV file.") var file: String

        func run() async throws {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let entries = try DomainBlocksCSV.parse(text)
            try await withStorage(storage) { storage in
                for entry in entries {
                    try await storage.setDomainPolicy(entry.domain, policy: entry.policy, note: entry.note, actor: commandLineActor)
                }
            }
            try printJSON(["applied": entries.count])
        }
    }

    struct ExportBlocks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-blocks",
            abstract: "Print the server policies as Mastodon's domain-block CSV."
        )
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let entries = try await withStorage(storage) { try await $0.federation.domains() }
            print(DomainBlocksCSV.export(entries), terminator: "")
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many activities wait for delivery, were delivered, or were set aside.")
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let counts = try await withStorage(storage) { try await $0.federationOutbox.counts() }
            try printJSON(["waiting": counts.waiting, "delivered": counts.delivered, "set_aside": counts.failed])
        }
    }
}
