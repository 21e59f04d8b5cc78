import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation

// The operator's view of accounts, clients and tokens (tootctl is the habit). Each prints JSON and says plainly what it
// cannot do; a secret is read from the terminal or standard input, never from an argument the process list shows.

/// Opens the storage for one command, runs `body`, closes it whatever happens.
func withStorage<T>(_ options: StorageOptions, migrate: Bool = true, _ body: (Storage) async throws -> T) async throws -> T {
    try await options.withStorage(migrate: migrate, body)
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

/// A moderation action says why, for the log.
func requireReason(_ reason: String) throws {
    guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("give a --reason for the moderation log") }
}

/// Who acted, as the moderation log records a command: the system account that ran it.
let commandLineActor =
    "command line (\(ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"))"
