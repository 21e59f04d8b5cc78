import DarkroomCore
import Foundation

/// A page of activity as people read it: likes of one photo on one day become one line ("ada and 3 others liked your
/// photo"), and so do the day's new followers; what has words of its own (comments, mentions) stays one to a line.
struct ActivityGroup {
    var kind: Activity.Kind
    /// Newest first.
    var actors: [UserSummary]
    var media: MediaID?
    var comment: Activity.Comment?
    var createdAt: Int64
    var isUnread: Bool

    /// Groups a page that is newest first, keeping that order by each group's newest item.
    static func group(_ activities: [Activity]) -> [ActivityGroup] {
        var groups: [ActivityGroup] = []
        var open: [String: Int] = [:]
        for activity in activities {
            let day = activity.createdAt / 86_400
            let key: String? =
                switch activity.kind {
                case .like: "like \(activity.media?.rawValue ?? 0) \(day)"
                case .follow: "follow \(day)"
                default: nil
                }
            if let key, let index = open[key] {
                if !groups[index].actors.contains(where: { $0.id == activity.actor.id }) { groups[index].actors.append(activity.actor) }
                groups[index].isUnread = groups[index].isUnread || activity.isUnread
                continue
            }
            if let key { open[key] = groups.count }
            groups.append(
                ActivityGroup(
                    kind: activity.kind,
                    actors: [activity.actor],
                    media: activity.media,
                    comment: activity.comment,
                    createdAt: activity.createdAt,
                    isUnread: activity.isUnread
                )
            )
        }
        return groups
    }

    /// What happened, after the names ("liked your photo."), and the words quoted when there are any.
    var sentence: String {
        switch kind {
        case .like: "liked your photo."
        case .comment: "commented:"
        case .mention: comment == nil ? "mentioned you in a caption." : "mentioned you in a comment:"
        case .tag: "tagged you in a photo."
        case .follow: "started following you."
        case .request: "asked to follow you."
        case .approval: "approved your request to follow."
        case .moved: "moved to another server: their profile links to the new one."
        }
    }

    /// The names as a line says them: "ada", "ada and bob", "ada and 3 others".
    var others: Int { max(0, actors.count - (actors.count == 2 ? 2 : 1)) }
}
