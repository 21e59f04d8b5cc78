import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage users.",
        subcommands: [
            Create.self, List.self, Show.self, Promote.self, ResetPassword.self, Suspend.self, Unsuspend.self, Delete.self, Export.self,
            ImportInstagram.self,
        ]
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
            do {
                let username = try Validation.username(username)
                try PasswordPolicy.check(password, username: username)
                let hash = try await PasswordHasher.hash(password)
                let user = try await withStorage(storage) { opened in
                    try await opened.users.create(
                        NewUser(
                            username: username,
                            passwordHash: hash,
                            fullName: fullName,
                            bio: bio,
                            website: website,
                            isPrivate: `private`
                        )
                    )
                }
                try printJSON(["id": user.id.description, "username": user.username, "full_name": user.summary.fullName, "private": user.isPrivate])
            } catch {
                guard let message = (error as? DomainError)?.message else { throw error }
                throw ValidationError(message)
            }
        }
    }
}

extension UserCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts in order of creation.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Start after this user id (the last one of the previous page).") var after: Int64?
        @Option(help: "At most this many (1 to 10000).") var limit = 100

        func run() async throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
            let accounts = try await withStorage(storage) { try await $0.operators.accounts(after: after.map(UserID.init), limit: limit) }
            try printJSON(["users": accounts.map(describe), "next_after": accounts.count == limit ? accounts.last!.user.id.description : NSNull()])
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one account.")
        @OptionGroup var storage: StorageOptions
        @Option var username: String

        func run() async throws {
            let found = try await withStorage(storage) { try await account(named: username, in: $0) }
            try printJSON(describe(found))
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an account an operator (who moderates), or with --demote no longer one.")
        @OptionGroup var storage: StorageOptions
        @Option var username: String
        @Flag(help: "Take the operator rank away instead.") var demote = false

        func run() async throws {
            let updated = try await withStorage(storage) { storage in
                let found = try await account(named: username, in: storage)
                try await storage.operators.setOperator(found.user.id, !demote)
                return try await account(named: username, in: storage)
            }
            try printJSON(describe(updated))
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Set a new password (read from the terminal, or with --password-stdin from standard input); the account's web sessions end."
        )
        @OptionGroup var storage: StorageOptions
        @Option var username: String
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            try await withStorage(storage) { storage in
                let found = try await account(named: username, in: storage)
                let password = try passwordStdin ? Terminal.firstLineOfStandardInput() : Terminal.readSecret(prompt: "New password for \(username): ")
                do {
                    try PasswordPolicy.check(password, username: found.user.username)
                } catch {
                    throw ValidationError((error as? DomainError)?.message ?? "\(error)")
                }
                try await storage.operators.setPassword(of: found.user.id, hash: try await PasswordHasher.hash(password))
                try printJSON(["username": found.user.username, "password_changed": true, "web_sessions_ended": found.sessions])
            }
        }
    }
}

extension UserCommand {
    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Suspend an account: it and everything of it disappear from the API and pages at once, its tokens and sessions stop; recorded in the \
                moderation log.
                """
        )
        @OptionGroup var storage: StorageOptions
        @Option var username: String
        @Option(help: "Why, for the moderation log.") var reason: String

        func run() async throws {
            try await changeSuspension(storage, username, reason: reason, suspend: true)
        }
    }

    struct Unsuspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reinstate a suspended account: everything of it comes back; recorded in the moderation log."
        )
        @OptionGroup var storage: StorageOptions
        @Option var username: String
        @Option(help: "Why, for the moderation log.") var reason = ""

        func run() async throws {
            try await changeSuspension(storage, username, reason: reason, suspend: false)
        }
    }
}

private func changeSuspension(_ options: StorageOptions, _ username: String, reason: String, suspend: Bool) async throws {
    if suspend { try requireReason(reason) }
    let updated = try await withStorage(options) { storage in
        let found = try await account(named: username, in: storage)
        let changed =
            suspend
            ? try await storage.suspendAccount.suspend(found.user.id, reason: reason, actor: commandLineActor)
            : try await storage.suspendAccount.reinstate(found.user.id, reason: reason, actor: commandLineActor)
        guard changed else { throw ValidationError("\(username) is \(suspend ? "already" : "not") suspended") }
        return try await account(named: username, in: storage)
    }
    try printJSON(describe(updated))
}

extension UserCommand {
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Delete an account and everything of it (photos, comments, likes, follows, tokens, clients, files); counts are corrected. Asks for \
                --yes.
                """
        )
        @OptionGroup var storage: StorageOptions
        @Option var username: String
        @Flag(help: "Confirm: the account cannot be brought back (but from a backup).") var yes = false

        func run() async throws {
            guard yes else { throw ValidationError("deleting @\(username) cannot be undone; add --yes to confirm") }
            let summary = try await withStorage(storage) { storage in
                let found = try await account(named: username, in: storage)
                guard let summary = try await storage.deleteAccount(found.user.id, actor: commandLineActor) else {
                    throw ValidationError("no user named \(username)")
                }
                return (found.user.id, summary)
            }
            try printJSON([
                "username": username, "id": summary.0.description, "deleted": true,
                "removed": [
                    "media": summary.1.media, "likes": summary.1.likes, "comments": summary.1.comments, "follows": summary.1.follows,
                    "clients": summary.1.clients, "file_sets": summary.1.files,
                ],
            ])
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an account's data (profile, photos, captions, comments, likes, follows, apps) as a zip, as the settings page offers it."
        )
        @OptionGroup var storage: StorageOptions
        @Option var username: String
        @Option(help: "The zip file to write (it must not exist).") var to: String

        func run() async throws {
            guard !FileManager.default.fileExists(atPath: to) else { throw ValidationError("\(to) exists already; name a new file") }
            let size = try await withStorage(storage) { storage in
                try await storage.writeDataArchive(of: try await account(named: username, in: storage).user.id, to: to)
            }
            try printJSON(["username": username, "file": to, "bytes": size])
        }
    }
}
