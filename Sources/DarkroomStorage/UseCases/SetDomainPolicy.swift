import DarkroomCore

/// An operator's policy for a whole server, as `/admin/federation` and `darkroom federation` set it, with its effect
/// on that server's accounts here:
/// - `suspend`: nothing is taken from it or sent to it, and its accounts are suspended (they and everything of theirs
///   disappear, as a suspended local account's do; lifting the policy reinstates them);
/// - `limit`: its accounts are private here, so their posts show only to the people here who follow them;
/// - `rejectMedia`: its posts are not taken (Darkroom's posts are photos).
/// Each account change is recorded in the moderation log.
public struct SetDomainPolicy: Sendable {
    let database: any Database
    let federation: FederationStore
    let users: UserStore
    let suspendAccount: SuspendAccount

    public func callAsFunction(_ domain: String, policy: DomainPolicy, note: String = "", actor: String) async throws {
        let domain = domain.trimmingSpaces().lowercased()
        guard !domain.isEmpty, domain.count <= 253, !domain.contains("/"), !domain.contains(" ") else {
            throw DomainError.invalidInput(field: "domain", reason: "a server's name, like social.example")
        }
        let previous = try await federation.policy(of: domain)
        try await federation.setPolicy(policy, of: domain, note: String(note.prefix(500)))
        guard previous != policy else { return }
        let accounts = try await database.query(
            "SELECT r.user_id, r.manually_approves FROM remote_actors r WHERE r.domain = \(domain) ORDER BY r.user_id"
        ).decode { (id: try $0.id(UserID.self), locked: try $0.bool()) }
        let reason = "server \(domain): \(policy.rawValue)" + (note.isEmpty ? "" : " (\(note))")
        for account in accounts {
            if policy == .suspend {
                _ = try await suspendAccount.suspend(account.id, reason: reason, actor: actor)
            } else if previous == .suspend {
                _ = try await suspendAccount.reinstate(account.id, reason: reason, actor: actor)
            }
            guard let user = try await users.find(account.id) ?? nil else { continue }
            let isPrivate = policy == .limit || account.locked
            if user.isPrivate != isPrivate {
                try await users.update(
                    account.id,
                    profile: .init(fullName: user.summary.fullName, bio: user.bio, website: user.website, isPrivate: isPrivate)
                )
            }
        }
    }
}
