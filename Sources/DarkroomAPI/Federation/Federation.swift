import DarkroomCore
import DarkroomStorage
import Foundation
import Logging

/// Runs `FederateJob`s: renders the activity a change here means for other servers and queues it for the inboxes
/// concerned (`FederationOutbox`), and `DeliverActivitiesJob`s, which send them. A post goes to each server with
/// followers once, at its shared inbox: a post to 1,000 followers on 100 servers is 100 deliveries.
struct Federation: Sendable {
    let storage: Storage
    let client: FederationClient
    let documents: ActivityPubDocuments
    let remotePosts: RemotePosts
    let logger: Logger

    var ap: FederationLinks { documents.ap }

    func register(in registry: inout JobRegistry) {
        registry.register(FederateJob.self, concurrency: 2) { job, _ in try await run(job) }
        registry.register(DeliverActivitiesJob.self, concurrency: 16) { job, _ in try await deliver(job) }
        registry.register(ReceiveRemotePostJob.self, concurrency: 2) { job, _ in try await remotePosts.receive(job) }
        registry.register(BackfillRemoteAccountJob.self, concurrency: 2) { job, _ in try await remotePosts.backfill(job) }
    }

    /// A new id for an activity of ours.
    private func activityID() -> String { ap.activity(storage.environment.randomHex(bytes: 16)) }

    func run(_ job: FederateJob) async throws {
        switch job.event {
        case .follow(let follower, let followee):
            try await toRemote(followee, from: follower) { local, remote in
                let id = activityID()
                try await storage.federation.recordFollow(UserID(follower), UserID(followee), activity: id)
                return documents.activity("Follow", id: id, actor: local.username, object: remote.actor.uri, to: [remote.actor.uri])
            }
        case .undoFollow(let follower, let followee):
            try await toRemote(followee, from: follower) { local, remote in
                let followID = try await storage.federation.followActivity(UserID(follower), UserID(followee)) ?? activityID()
                let follow = documents.activity("Follow", id: followID, actor: local.username, object: remote.actor.uri)
                return documents.activity("Undo", id: activityID(), actor: local.username, object: follow, to: [remote.actor.uri])
            }
        case .accept(let follower, let followee), .reject(let follower, let followee):
            let accepted = if case .accept = job.event { true } else { false }
            try await toRemote(follower, from: followee) { local, remote in
                let followID = try await storage.federation.followActivity(UserID(follower), UserID(followee)) ?? activityID()
                let follow: [String: Any] = ["id": followID, "type": "Follow", "actor": remote.actor.uri, "object": ap.actor(local.username)]
                return documents.activity(
                    accepted ? "Accept" : "Reject",
                    id: activityID(),
                    actor: local.username,
                    object: follow,
                    to: [remote.actor.uri]
                )
            }
        case .block(let blocker, let blocked):
            try await toRemote(blocked, from: blocker) { local, remote in
                documents.activity("Block", id: activityID(), actor: local.username, object: remote.actor.uri, to: [remote.actor.uri])
            }
        case .create(let media), .update(let media):
            let type = if case .create = job.event { "Create" } else { "Update" }
            try await post(MediaID(media), type: type)
        case .delete(let media, let author):
            guard let user = try await storage.users.find(UserID(author)) else { return }
            let tombstone: [String: Any] = ["id": ap.note(MediaID(media)), "type": "Tombstone"]
            let activity = documents.activity(
                "Delete",
                id: activityID(),
                actor: user.username,
                object: tombstone,
                to: [ActivityPubDocuments.publicAudience],
                cc: [ap.followers(user.username)]
            )
            let inboxes = try await storage.federation.followerInboxes(of: user.id)
            try await storage.federationOutbox.deliver(JSONDocument.string(activity), signer: user.id, keyID: ap.key(user.username), to: inboxes)
        case .like(let media, let user), .unlike(let media, let user):
            let liked = if case .like = job.event { true } else { false }
            try await toAuthor(of: MediaID(media), from: user) { local, note, author in
                let like = documents.activity("Like", id: ap.publicURL + "/ap/likes/\(media)/\(user)", actor: local.username, object: note)
                guard !liked else { return like.merging(["to": [author.actor.uri]]) { $1 } }
                return documents.activity("Undo", id: activityID(), actor: local.username, object: like, to: [author.actor.uri])
            }
        case .deleteActor(let user, let username, let inboxes):
            let actor = ap.actor(username)
            let delete: [String: Any] = [
                "@context": ActivityPubDocuments.context, "id": actor + "#delete", "type": "Delete", "actor": actor, "object": actor,
                "to": [ActivityPubDocuments.publicAudience],
            ]
            try await storage.federationOutbox.deliver(JSONDocument.string(delete), signer: UserID(user), keyID: ap.key(username), to: inboxes)
        case .moved(let userID):
            guard let user = try await storage.users.find(UserID(userID)), let target = user.movedTo else { return }
            let move = documents.activity(
                "Move",
                id: ap.actor(user.username) + "#moves/\(storage.environment.nowSeconds)",
                actor: user.username,
                object: ap.actor(user.username),
                to: [ap.followers(user.username)]
            ).merging(["target": target]) { $1 }
            let inboxes = try await storage.federation.followerInboxes(of: user.id)
            try await storage.federationOutbox.deliver(JSONDocument.string(move), signer: user.id, keyID: ap.key(user.username), to: inboxes)
        case .flag(let reportID):
            try await forward(report: reportID)
        case .reply(let media, let commentID):
            guard let comment = try await storage.comments.find(CommentID(commentID), on: MediaID(media)) else { return }
            try await toAuthor(of: MediaID(media), from: comment.from.id.rawValue) { local, note, author in
                let reply: [String: Any] = [
                    "id": ap.comment(commentID), "type": "Note", "attributedTo": ap.actor(local.username), "inReplyTo": note,
                    "content": ActivityPubDocuments.paragraphs(comment.text), "published": ActivityPubDocuments.timestamp(comment.createdAt),
                    "to": [author.actor.uri], "cc": [ActivityPubDocuments.publicAudience],
                    "tag": [["type": "Mention", "href": author.actor.uri, "name": "@" + author.actor.handle.username]],
                ]
                return documents.activity(
                    "Create",
                    id: ap.comment(commentID) + "/activity",
                    actor: local.username,
                    object: reply,
                    to: [author.actor.uri]
                )
            }
        }
    }

    /// A report about a remote account (and its post), sent to its server as a `Flag` from this server's own actor:
    /// the reason, never who reported.
    private func forward(report id: Int64) async throws {
        guard let report = try await storage.reports.find(id), let remote = try await storage.federation.actor(user: report.targetUser) else {
            return
        }
        var objects = [remote.actor.uri]
        if let media = report.targetMedia, let note = try await storage.federation.noteURI(of: media) { objects.append(note) }
        let flag: [String: Any] = [
            "@context": ActivityPubDocuments.context, "id": activityID(), "type": "Flag", "actor": ap.instanceActor, "object": objects,
            "content": "Reported on \(ap.host): \(ReportReason(rawValue: report.reason)?.label ?? report.reason)",
        ]
        try await storage.federationOutbox.deliver(
            JSONDocument.string(flag),
            signer: FederationStore.instanceActor,
            keyID: ap.instanceKey,
            to: [remote.actor.deliveryInbox]
        )
    }

    /// An activity from a local person about a remote person's post, delivered to its author.
    private func toAuthor(
        of media: MediaID,
        from localID: Int64,
        _ render: (User, String, KnownRemoteActor) async throws -> [String: Any]
    ) async throws {
        guard let note = try await storage.federation.noteURI(of: media), let authorID = try await storage.media.owner(of: media),
            let author = try await storage.federation.actor(user: authorID), let local = try await storage.users.find(UserID(localID))
        else { return }
        let activity = try await render(local, note, author)
        try await storage.federationOutbox.deliver(
            JSONDocument.string(activity),
            signer: local.id,
            keyID: ap.key(local.username),
            to: [author.actor.inbox]
        )
    }

    /// An activity from a local person to one remote person, delivered to that person's inbox.
    private func toRemote(
        _ remoteID: Int64,
        from localID: Int64,
        _ render: (User, KnownRemoteActor) async throws -> [String: Any]
    ) async throws {
        guard let remote = try await storage.federation.actor(user: UserID(remoteID)), let local = try await storage.users.find(UserID(localID))
        else {
            return
        }
        let activity = try await render(local, remote)
        try await storage.federationOutbox.deliver(
            JSONDocument.string(activity),
            signer: local.id,
            keyID: ap.key(local.username),
            to: [remote.actor.inbox]
        )
    }

    /// A post (new or edited) to every server where its author has followers.
    private func post(_ id: MediaID, type: String) async throws {
        // Read as its author sees it: a private account's post is hidden from everyone else.
        guard let ownerID = try await storage.media.owner(of: id), let media = try await storage.media.find(id, viewer: ownerID),
            let owner = try await storage.users.find(ownerID)
        else { return }
        let note = documents.note(media, ownerIsPrivate: owner.isPrivate, blurHashes: await blurHashes(of: media))
        let activity = documents.activity(
            type,
            id: ap.note(id) + (type == "Create" ? "/activity" : "/updates/\(media.version)"),
            actor: owner.username,
            object: note,
            to: note["to"] as? [String] ?? [],
            cc: note["cc"] as? [String] ?? []
        )
        let inboxes = try await storage.federation.followerInboxes(of: owner.id)
        try await storage.federationOutbox.deliver(JSONDocument.string(activity), signer: owner.id, keyID: ap.key(owner.username), to: inboxes)
    }

    /// Each photo's BlurHash, from its smallest rendition on disk (nil where it cannot be read: the attachment goes
    /// without one).
    func blurHashes(of media: Media) async -> [String?] {
        let photos = [media.renditions] + media.carouselItems.map(\.renditions)
        var hashes: [String?] = []
        for renditions in photos {
            let name = renditions.full.first.map { Renditions.fileName($0, format: "jpeg") } ?? "thumbnail.jpg"
            guard let path = storage.files.path(renditions.key, name), let bytes = FileManager.default.contents(atPath: path) else {
                hashes.append(nil)
                continue
            }
            hashes.append(try? await remotePosts.ingest.blurHash(of: Array(bytes)))
        }
        return hashes
    }

    // MARK: Delivery

    func deliver(_ job: DeliverActivitiesJob) async throws {
        while true {
            let batch = try await storage.federationOutbox.waiting(inbox: job.inbox, limit: 20)
            guard !batch.isEmpty else { return }
            for pending in batch {
                let status: Int
                do {
                    status = try await client.deliver(pending.activity, to: pending.inbox, signer: pending.signer, keyID: pending.keyID)
                } catch {
                    logger.info("activity not delivered", metadata: ["inbox": "\(pending.inbox)", "error": "\(error)"])
                    if try await storage.federationOutbox.failed(pending.id, status: nil, error: "\(error)", permanent: false) { continue }
                    throw NotDelivered(description: "\(error)")
                }
                if (200..<300).contains(status) {
                    try await storage.federationOutbox.delivered(pending.id, status: status)
                    continue
                }
                // A 4xx other than a rate limit or time-out is the server refusing this activity: trying again cannot help.
                let permanent = (400..<500).contains(status) && status != 429 && status != 408
                if try await storage.federationOutbox.failed(pending.id, status: status, error: "answered \(status)", permanent: permanent) {
                    continue
                }
                throw NotDelivered(description: "answered \(status)")
            }
        }
    }

    struct NotDelivered: Error, CustomStringConvertible {
        var description: String
    }
}
