import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation

// The operator's view of accounts, clients and tokens (tootctl is the habit). Each prints JSON and says plainly what it
// cannot do; a secret is read from the terminal or standard input, never from an argument the process list shows.

/// Opens the storage for one command, runs `body`, closes it whatever happens.
func withStorage<T>(_ options: StorageOptions, _ body: (Storage) async throws -> T) async throws -> T {
    let opened = try await options.open()
    do {
        let result = try await body(opened)
        await opened.database.close()
        return result
    } catch {
        await opened.database.close()
        throw error
    }
}

func account(named username: String, in storage: Storage) async throws -> OperatorStore.Account {
    guard let account = try await storage.operators.account(username: username) else { throw ValidationError("no user named \(username)") }
    return account
}

func client(withID clientID: String, in storage: Storage) async throws -> Client {
    guard let client = try await storage.clients.find(clientID: clientID) else { throw ValidationError("no client with client_id \(clientID)") }
    return client
}

func describe(_ account: OperatorStore.Account) -> [String: Any] {
    let user = account.user
    return [
        "id": user.id.description, "username": user.username, "full_name": user.summary.fullName, "bio": user.bio,
        "website": user.website, "private": user.isPrivate, "created_time": user.createdAt, "operator": account.isOperator,
        "has_password": account.hasPassword, "live_tokens": account.liveTokens, "web_sessions": account.sessions,
        "suspended_time": account.suspendedAt ?? NSNull(),
        "counts": ["media": user.counts.media, "follows": user.counts.follows, "followed_by": user.counts.followedBy],
    ]
}

func describe(_ client: Client, users: Int? = nil) -> [String: Any] {
    var fields: [String: Any] = [
        "client_id": client.clientID, "name": client.name, "redirect_uris": client.redirectURIs, "trusted": client.trusted,
        "owner_id": client.ownerID?.description ?? NSNull(), "website": client.website,
    ]
    if let users { fields["users_with_live_tokens"] = users }
    return fields
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
                    throw ValidationError((error as? APIError)?.message ?? (error as? DomainError)?.message ?? "\(error)")
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

/// A moderation action says why, for the log.
func requireReason(_ reason: String) throws {
    guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("give a --reason for the moderation log") }
}

/// Who acted, as the moderation log records a command: the system account that ran it.
let commandLineActor =
    "command line (\(ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"))"

private func changeSuspension(_ options: StorageOptions, _ username: String, reason: String, suspend: Bool) async throws {
    if suspend { try requireReason(reason) }
    let updated = try await withStorage(options) { storage in
        let found = try await account(named: username, in: storage)
        let changed =
            suspend
            ? try await storage.moderation.suspend(found.user.id, reason: reason, actor: commandLineActor)
            : try await storage.moderation.unsuspend(found.user.id, reason: reason, actor: commandLineActor)
        guard changed else { throw ValidationError("\(username) is \(suspend ? "already" : "not") suspended") }
        return try await account(named: username, in: storage)
    }
    try printJSON(describe(updated))
}

struct ModerationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moderation",
        abstract: "Remove a media or comment with a reason; the reports people sent; the moderation log.",
        subcommands: [RemoveMedia.self, RemoveComment.self, Reports.self, Settle.self, Log.self]
    )

    struct RemoveMedia: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-media",
            abstract: "Remove a media with its likes, comments and files, recording why."
        )
        @OptionGroup var storage: StorageOptions
        @Option(help: "The media's id.") var id: Int64
        @Option(help: "Why, for the moderation log.") var reason: String

        func run() async throws {
            try requireReason(reason)
            let removed = try await withStorage(storage) { storage in
                try await storage.moderation.removeMedia(MediaID(id), reason: reason, actor: commandLineActor, files: storage.files)
            }
            guard removed else { throw ValidationError("no media with id \(id)") }
            try printJSON(["media_id": String(id), "removed": true, "reason": reason])
        }
    }

    struct RemoveComment: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-comment", abstract: "Remove a comment (or a caption), recording why.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "The media it is on.") var mediaId: Int64
        @Option(help: "The comment's id.") var id: Int64
        @Option(help: "Why, for the moderation log.") var reason: String

        func run() async throws {
            try requireReason(reason)
            let removed = try await withStorage(storage) { storage in
                try await storage.moderation.removeComment(CommentID(id), on: MediaID(mediaId), reason: reason, actor: commandLineActor)
            }
            guard removed else { throw ValidationError("no comment \(id) on media \(mediaId)") }
            try printJSON(["media_id": String(mediaId), "comment_id": String(id), "removed": true, "reason": reason])
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every moderation action, newest first: who, what, to whom, why, when.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Only actions on this account.") var username: String?
        @Option(help: "At most this many (1 to 10000).") var limit = 100

        func run() async throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
            let entries = try await withStorage(storage) { storage in
                var user: UserID?
                if let username { user = try await account(named: username, in: storage).user.id }
                return try await storage.moderation.log(user: user, limit: limit)
            }
            try printJSON([
                "actions": entries.map { entry -> [String: Any] in
                    [
                        "id": entry.id.description, "actor": entry.actor, "action": entry.action,
                        "user_id": entry.targetUser?.description ?? NSNull(),
                        "username": entry.targetUsername ?? NSNull(), "media_id": entry.targetMedia?.description ?? NSNull(),
                        "comment_id": entry.targetComment?.description ?? NSNull(), "reason": entry.reason, "created_time": entry.createdAt,
                    ]
                }
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
