import DarkroomCore
import DarkroomStorage
import Foundation
import Logging

/// What an activity received from another server does here, once its signature has named the sender. Each is done
/// through the same stores (and so the same policies) as a local person's action: a remote follow of a private
/// account is a request on its owner's requests page, a like or a reply is refused where the sender may not see the
/// post, a block ends follows both ways. An activity about what Darkroom does not hold is taken and ignored, as
/// servers expect.
struct InboxProcessor: Sendable {
    let storage: Storage
    let ap: FederationLinks
    let actors: RemoteActors
    let logger: Logger

    struct Unacceptable: Error, CustomStringConvertible {
        var description: String
    }

    func process(_ activity: JSONObject, from sender: KnownRemoteActor) async throws {
        guard activity.id("actor") == sender.actor.uri else {
            throw Unacceptable(description: "the activity's actor is not the one who signed it")
        }
        let remote = sender.userID
        switch activity.type {
        case "Follow": try await follow(activity, by: remote)
        case "Undo": try await undo(activity, by: remote)
        case "Accept": try await answer(activity, by: remote, accepted: true)
        case "Reject": try await answer(activity, by: remote, accepted: false)
        case "Like": try await like(activity, by: remote)
        case "Create": try await create(activity, by: remote)
        case "Update": try await update(activity, by: sender)
        case "Delete": try await delete(activity, by: sender)
        case "Block":
            if let local = try await localUser(activity.id("object")) { try await storage.relationships.block(remote, local) }
        case "Move": try await move(activity, by: sender)
        case "Flag": try await flag(activity, by: remote)
        case "Announce": try await announce(activity, by: sender)
        default: logger.debug("activity ignored", metadata: ["type": "\(activity.type ?? "none")"])
        }
    }

    private func localUser(_ uri: String?) async throws -> UserID? {
        guard let uri, let name = ap.username(fromActor: uri), let user = try await storage.users.find(username: name) else { return nil }
        return try await storage.federation.isRemote(user.id) ? nil : user.id
    }

    // MARK: Follows

    private func follow(_ activity: JSONObject, by remote: UserID) async throws {
        guard let local = try await localUser(activity.id("object")) else { throw Unacceptable(description: "no such account here") }
        if let id = activity.id { try await storage.federation.recordFollow(remote, local, activity: id) }
        let (current, facts) = try await storage.relationships.state(of: remote, to: local)
        do {
            try UserPolicy.check(.follow, actor: remote, target: local, facts: facts)
        } catch {
            try await storage.jobs.enqueue(FederateJob(.reject(follower: remote.rawValue, followee: local.rawValue)))
            return
        }
        if current.outgoing == .follows {
            // Already following: the sender did not hear the Accept; say it again.
            try await storage.jobs.enqueue(FederateJob(.accept(follower: remote.rawValue, followee: local.rawValue)))
        } else {
            try await storage.relationships.requestFollow(remote, local, current: current, facts: facts)
        }
    }

    private func undo(_ activity: JSONObject, by remote: UserID) async throws {
        let object = activity[object: "object"]
        let objectID = activity.id("object")
        if let objectID, let follow = try await storage.federation.follow(activity: objectID), follow.follower == remote {
            return try await storage.relationships.unfollow(remote, follow.followee)
        }
        switch object?.type {
        case "Follow":
            if let local = try await localUser(object?.id("object")) { try await storage.relationships.unfollow(remote, local) }
        case "Like":
            if let media = object?.id("object").flatMap(ap.media(fromNote:)) { try await unlike(media, by: remote, uri: objectID) }
        default:
            if let objectID, let known = try await storage.federation.object(objectID), known.kind == .like, known.user == remote {
                try await unlike(known.media, by: remote, uri: objectID)
            }
        }
    }

    /// An answer to a follow asked by someone here.
    private func answer(_ activity: JSONObject, by remote: UserID, accepted: Bool) async throws {
        var local: UserID?
        if let id = activity.id("object"), let follow = try await storage.federation.follow(activity: id), follow.followee == remote {
            local = follow.follower
        } else if let object = activity[object: "object"], object.type == "Follow" {
            local = try await localUser(object.id("actor"))
        }
        guard let local else { return }
        if accepted {
            let asked = try await storage.relationships.outgoing(of: local, to: [remote])[remote] == .requested
            if asked {
                try await storage.relationships.follow(local, remote, approving: true)
                try await storage.jobs.enqueue(BackfillRemoteAccountJob(author: remote))
            }
        } else {
            try await storage.relationships.removeFollower(local, of: remote)
            try await storage.relationships.ignore(remote, requester: local)
        }
    }

    // MARK: Likes and replies

    private func like(_ activity: JSONObject, by remote: UserID) async throws {
        guard let media = activity.id("object").flatMap(ap.media(fromNote:)) else { return }
        try await storage.likes.like(media, by: remote, checking: .like)
        if let id = activity.id { try await storage.federation.recordObject(id, kind: .like, user: remote, media: media, localID: 0) }
    }

    private func unlike(_ media: MediaID, by remote: UserID, uri: String?) async throws {
        try await storage.likes.unlike(media, by: remote)
        if let uri { try await storage.federation.forgetObject(uri) }
    }

    /// A reply to a post here is a comment on it, counted once however often it is delivered. A remote person's own
    /// post is taken (`ReceiveRemotePostJob`) when someone here follows them; a post for followers only, only from an
    /// account that approves its followers (private here too), so it shows to no one else.
    private func create(_ activity: JSONObject, by remote: UserID) async throws {
        guard let note = activity[object: "object"], note.type == "Note" || note.type == "Article", let uri = note.id,
            CallbackURL.host(of: uri) == CallbackURL.host(of: activity.id("actor") ?? "")
        else { return }
        guard try await storage.federation.object(uri) == nil else { return }
        guard let media = note.id("inReplyTo").flatMap(ap.media(fromNote:)) else {
            guard note.id("inReplyTo") == nil, try await storage.federation.hasLocalFollowers(remote) else { return }
            let audience = note.ids("to") + note.ids("cc")
            let isPublic = audience.contains { $0 == ActivityPubDocuments.publicAudience || $0 == "as:Public" || $0 == "Public" }
            if !isPublic, try await storage.users.find(remote)?.isPrivate != true { return }
            try await storage.jobs.enqueue(ReceiveRemotePostJob(author: remote, note: JSONDocument.string(note.fields), uri: uri))
            return
        }
        let text = Self.commentText(note[string: "content"] ?? "")
        guard !text.isEmpty else { return }
        let comment = try await storage.comments.create(on: media, by: remote, text: text, checking: .comment)
        try await storage.federation.recordObject(uri, kind: .comment, user: remote, media: media, localID: comment.id.rawValue)
    }

    /// A reply's HTML as a v1 comment: plain text, the leading mention of the post's author dropped, at most 300
    /// characters.
    static func commentText(_ html: String) -> String {
        var text = ActivityPubDocuments.plainText(html)
        if text.hasPrefix("@"), let space = text.firstIndex(of: " ") { text = String(text[text.index(after: space)...]) }
        return String(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))
    }

    /// A share (a boost) by someone people here follow of another remote person's post: the post is taken as its
    /// author's, and shown in the sharer's followers' feeds too. A share of a post here changes nothing here.
    private func announce(_ activity: JSONObject, by sender: KnownRemoteActor) async throws {
        guard let uri = activity.id("object"), ap.media(fromNote: uri) == nil, try await storage.federation.hasLocalFollowers(sender.userID) else {
            return
        }
        if let known = try await storage.federation.object(uri), known.kind == .post {
            return try await storage.federation.share(known.media, by: sender.userID)
        }
        let note = try await actors.client.fetch(uri)
        guard note.id == uri, note.type == "Note", let authorURI = note.id("attributedTo"),
            CallbackURL.host(of: authorURI) == CallbackURL.host(of: uri),
            note.id("inReplyTo") == nil
        else { return }
        let audience = note.ids("to") + note.ids("cc")
        guard audience.contains(where: { $0 == ActivityPubDocuments.publicAudience || $0 == "as:Public" || $0 == "Public" }) else { return }
        let author = try await actors.resolve(uri: authorURI)
        try await storage.jobs.enqueue(
            ReceiveRemotePostJob(author: author.userID, note: JSONDocument.string(note.fields), uri: uri, sharedBy: sender.userID)
        )
    }

    /// A changed profile is fetched again; a changed post of theirs gets its new caption and alt texts.
    private func update(_ activity: JSONObject, by sender: KnownRemoteActor) async throws {
        if activity.id("object") == sender.actor.uri {
            _ = try await actors.resolve(uri: sender.actor.uri, refresh: true)
            return
        }
        guard let note = activity[object: "object"], let uri = note.id, let known = try await storage.federation.object(uri),
            known.kind == .post, known.user == sender.userID
        else { return }
        let caption = String(ActivityPubDocuments.plainText(note[string: "content"] ?? "").prefix(2200))
        let photos = try await storage.media.find(known.media, viewer: sender.userID).map { 1 + $0.carouselItems.count } ?? 0
        var altTexts: [Int: String?] = [:]
        for (position, image) in note.objects("attachment").prefix(photos).enumerated() {
            let alt = image[string: "name"].map { String($0.prefix(1000)) }
            altTexts[position] = alt?.isEmpty == false ? alt : nil
        }
        try await storage.mediaWriter.edit(known.media, by: sender.userID, caption: .some(caption.isEmpty ? nil : caption), altTexts: altTexts)
    }

    /// A report from another server about people or posts here: into the admin queue, filed by the sending actor,
    /// with what it said. What the sender may not see is not reportable by it, as for anyone.
    private func flag(_ activity: JSONObject, by remote: UserID) async throws {
        let objects = activity.ids("object")
        let details =
            "From \(CallbackURL.host(of: activity.id("actor") ?? "")): "
            + String(ActivityPubDocuments.plainText(activity[string: "content"] ?? "").prefix(900))
        let filing: ReportStore.Filing
        if let media = objects.lazy.compactMap(ap.media(fromNote:)).first {
            filing = .init(target: .media, id: media.rawValue, reason: .other, details: details)
        } else if let user = try await objects.asyncFirstLocalUser(localUser) {
            filing = .init(target: .user, id: user.rawValue, reason: .other, details: details)
        } else {
            return
        }
        do {
            _ = try await storage.reports.file(filing, by: remote)
        } catch let error as DomainError {
            logger.info("remote report not filed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Deletes and moves

    private func delete(_ activity: JSONObject, by sender: KnownRemoteActor) async throws {
        guard let uri = activity.id("object") else { return }
        if uri == sender.actor.uri {
            _ = try await storage.deleteAccount(sender.userID, actor: "federation: \(sender.actor.handle)")
            return
        }
        guard let known = try await storage.federation.object(uri), known.user == sender.userID else { return }
        switch known.kind {
        case .comment: _ = try await storage.comments.delete(CommentID(known.localID), on: known.media)
        case .like: try await storage.likes.unlike(known.media, by: sender.userID)
        case .post: try await storage.deleteMedia.byOwner(known.media, actor: sender.userID)
        }
        try await storage.federation.forgetObject(uri)
    }

    /// An account that moved: its profile here says where, and people here who followed it ask to follow the new one,
    /// which must name the old one among its aliases, so no one can claim another's followers. The new one may be
    /// someone here who moved in (their aliases are read here) or on any server (its actor is fetched afresh).
    private func move(_ activity: JSONObject, by sender: KnownRemoteActor) async throws {
        guard activity.id("object") == sender.actor.uri, let target = activity.id("target") else { return }
        let notNamed = Unacceptable(description: "\(target) does not name the old account")
        let newAccount: UserID
        if let local = try await localUser(target) {
            guard try await storage.federation.aliases(of: local).contains(sender.actor.uri) else { throw notNamed }
            newAccount = local
        } else {
            let document = try await actors.client.fetch(target)
            guard document.ids("alsoKnownAs").contains(sender.actor.uri) else { throw notNamed }
            newAccount = try await actors.record(document, fetchedFrom: target).userID
        }
        try await storage.users.setMovedTo(target, of: sender.userID)
        var cursor: Int64?
        repeat {
            let page = try await storage.relationships.followers(of: sender.userID, count: 200, cursor: cursor, viewer: nil)
            for follower in page.items where try await !storage.federation.isRemote(follower.id) {
                if follower.id != newAccount {
                    let (current, facts) = try await storage.relationships.state(of: follower.id, to: newAccount)
                    _ = try? await storage.relationships.requestFollow(follower.id, newAccount, current: current, facts: facts)
                }
                try await storage.relationships.unfollow(follower.id, sender.userID)
            }
            cursor = page.nextCursor.flatMap(Int64.init)
        } while cursor != nil
    }
}

extension [String] {
    /// The first of these actor ids that names a local account.
    fileprivate func asyncFirstLocalUser(_ lookup: (String?) async throws -> UserID?) async throws -> UserID? {
        for uri in self { if let user = try await lookup(uri) { return user } }
        return nil
    }
}
