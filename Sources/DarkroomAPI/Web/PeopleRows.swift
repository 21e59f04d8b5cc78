import DarkroomCore
import DarkroomStorage

/// People as a list on a page shows them (`people.mustache`): name and picture, and the signed-in viewer's own button
/// to follow each (or to take back a follow or a request) — followers, following, suggestions.
struct PeopleRows {
    let web: Web

    func rows(_ people: [UserSummary], viewer: UserID?, returnTo: String) async throws -> [[String: Any]] {
        var states: [UserID: Relationship.Outgoing] = [:]
        if let viewer { states = try await web.dependencies.storage.relationships.outgoing(of: viewer, to: people.map(\.id)) }
        let models = PageModels(links: web.dependencies.links)
        return people.map { person in
            var row = models.person(person)
            row["returnTo"] = returnTo
            row["removable"] = false
            row["note"] = PageModels.absent
            row["follow"] = PageModels.absent
            if let viewer, viewer != person.id {
                row["follow"] =
                    switch states[person.id] ?? Relationship.Outgoing.none {
                    case .follows: ["action": "unfollow", "label": "Following"]
                    case .requested: ["action": "unfollow", "label": "Requested"]
                    case .none: ["action": "follow", "label": "Follow"]
                    }
            }
            return row
        }
    }
}
