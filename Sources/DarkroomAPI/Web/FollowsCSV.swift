import DarkroomCore
import DarkroomStorage
import Foundation
import SwiftCSV

/// Whom a person follows, as the CSV Mastodon exports and imports (`Account address,Show boosts,Notify on new
/// posts,Languages`, each address `username@host`), so a list moves between Darkroom servers and the fediverse.
struct FollowsCSV {
    let storage: Storage
    /// This server's host as addresses name it (`photos.example`, or `localhost:8080`).
    let host: String
    /// With federation on, addresses on other servers are looked up and followed too.
    let federation: FederationParts?

    init(storage: Storage, publicURL: String, federation: FederationParts? = nil) {
        self.storage = storage
        self.federation = federation
        let url = URL(string: publicURL)
        host = (url?.host ?? "localhost") + (url?.port.map { ":\($0)" } ?? "")
    }

    /// Everyone the user follows, oldest follow first.
    func export(of user: UserID) async throws -> String {
        var lines = ["Account address,Show boosts,Notify on new posts,Languages"]
        var cursor: Int64?
        var usernames: [String] = []
        repeat {
            let page = try await storage.relationships.follows(of: user, count: 1000, cursor: cursor, viewer: user)
            usernames += page.items.map(\.username)
            cursor = page.nextCursor.flatMap(Int64.init)
        } while cursor != nil
        // A remote account's username is already its address (`name@host`).
        lines += usernames.reversed().map { "\($0.contains("@") ? $0 : "\($0)@\(host)"),true,false," }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What an import did, address by address.
    struct Outcome {
        var followed: [String] = []
        var requested: [String] = []
        var already: [String] = []
        /// Accounts that do not exist here, and addresses on other servers that could not be found (or any, with
        /// federation off).
        var notFound: [String] = []
        var refused: [String] = []
    }

    /// The most addresses one file may hold.
    static let limit = 5000

    /// Follows every address of this server the CSV names (asks, for private accounts); lists the others.
    func importList(_ text: String, for user: UserID) async throws(DomainError) -> Outcome {
        let addresses = try Self.addresses(in: text)
        guard addresses.count <= Self.limit else {
            throw .invalidInput(field: "follows", reason: "the file names \(addresses.count) accounts; at most \(Self.limit) at a time")
        }
        var outcome = Outcome()
        for address in addresses {
            let parts = address.split(separator: "@", omittingEmptySubsequences: true)
            let username = parts.first.map(String.init) ?? ""
            let local = parts.count == 1 || (parts.count == 2 && parts[1].lowercased() == host.lowercased())
            let remote = local ? nil : FediverseHandle(address).flatMap { handle in federation.map { (handle, $0) } }
            if let (handle, federation) = remote {
                guard let found = try? await federation.actors.resolve(handle: handle) else {
                    outcome.notFound.append(address)
                    continue
                }
                await follow(found.userID, address: address, by: user, into: &outcome)
                continue
            }
            guard local, parts.count <= 2, let found = try? await storage.users.find(username: username) else {
                outcome.notFound.append(address)
                continue
            }
            guard found.id != user else { continue }
            await follow(found.id, address: address, by: user, into: &outcome)
        }
        return outcome
    }

    private func follow(_ target: UserID, address: String, by user: UserID, into outcome: inout Outcome) async {
        do {
            let before = try await storage.relationships.relationship(of: user, to: target)
            guard before.outgoing == .none else { return outcome.already.append(address) }
            let after = try await storage.relationships.apply(.follow, viewer: user, target: target)
            if after.outgoing == .follows { outcome.followed.append(address) } else { outcome.requested.append(address) }
        } catch {
            outcome.refused.append(address)
        }
    }

    /// The addresses of a follows CSV: the first column of each row, with or without Mastodon's header row (older
    /// exports had none), without a leading `@`, each once.
    static func addresses(in text: String) throws(DomainError) -> [String] {
        let csv: EnumeratedCSV
        do {
            csv = try EnumeratedCSV(string: text, loadColumns: false)
        } catch {
            throw .invalidInput(field: "follows", reason: "the file is not CSV")
        }
        var rows = csv.rows.compactMap(\.first)
        if let first = csv.header.first, first.contains("@") { rows.insert(first, at: 0) }
        var seen = Set<String>()
        return rows.compactMap { cell in
            var address = cell.trimmingCharacters(in: .whitespaces)
            if address.hasPrefix("@") { address.removeFirst() }
            guard !address.isEmpty, address.count <= 300, seen.insert(address.lowercased()).inserted else { return nil }
            return address
        }
    }
}
