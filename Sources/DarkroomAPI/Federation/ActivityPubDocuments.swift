import DarkroomCore
import DarkroomStorage
import Foundation

/// The JSON documents other servers read: actors, notes (a post), the activities that carry them, and discovery
/// (WebFinger, NodeInfo). One function per object, as the API has one serializer per object.
struct ActivityPubDocuments: Sendable {
    let links: Links
    let ap: FederationLinks

    static let publicAudience = "https://www.w3.org/ns/activitystreams#Public"
    static let contentType = "application/activity+json"
    /// Darkroom's release, as NodeInfo and the User-Agent name it.
    static let softwareVersion = "1.0.0"

    static var context: [Any] {
        [
            "https://www.w3.org/ns/activitystreams",
            "https://w3id.org/security/v1",
            [
                "toot": "http://joinmastodon.org/ns#",
                "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
                "sensitive": "as:sensitive",
                "Hashtag": "as:Hashtag",
                "movedTo": ["@id": "as:movedTo", "@type": "@id"],
                "alsoKnownAs": ["@id": "as:alsoKnownAs", "@type": "@id"],
                "blurhash": "toot:blurhash",
            ] as [String: Any],
        ]
    }

    // MARK: Actors

    /// `aliases`: the accounts elsewhere the person says were theirs, which a server moving one of them here checks.
    func actor(_ user: User, publicKeyPEM: String, aliases: [String] = []) -> [String: Any] {
        var document: [String: Any] = [
            "@context": Self.context,
            "id": ap.actor(user.username),
            "type": "Person",
            "preferredUsername": user.username,
            "name": user.summary.fullName,
            "summary": Self.paragraphs(user.bio),
            "url": ap.actor(user.username),
            "icon": ["type": "Image", "mediaType": "image/jpeg", "url": links.profilePicture(user.summary.profilePicture)],
            "inbox": ap.inbox(user.username),
            "outbox": ap.outbox(user.username),
            "followers": ap.followers(user.username),
            "following": ap.following(user.username),
            "endpoints": ["sharedInbox": ap.sharedInbox],
            "manuallyApprovesFollowers": user.isPrivate,
            "published": Self.timestamp(user.createdAt),
            "publicKey": ["id": ap.key(user.username), "owner": ap.actor(user.username), "publicKeyPem": publicKeyPEM],
        ]
        if let movedTo = user.movedTo { document["movedTo"] = movedTo }
        if !aliases.isEmpty { document["alsoKnownAs"] = aliases }
        return document
    }

    /// The server's own actor (an `Application`), which signs fetches and follows no one.
    func instanceActor(publicKeyPEM: String) -> [String: Any] {
        [
            "@context": Self.context,
            "id": ap.instanceActor,
            "type": "Application",
            "preferredUsername": ap.host,
            "inbox": ap.sharedInbox,
            "outbox": ap.instanceActor + "/outbox",
            "manuallyApprovesFollowers": true,
            "publicKey": ["id": ap.instanceKey, "owner": ap.instanceActor, "publicKeyPem": publicKeyPEM],
        ]
    }

    // MARK: Posts

    /// A post as a `Note`: its caption as content, each photo (or the video) as an attachment at its full shape with
    /// its alt text, its hashtags as `Hashtag` tags. A public account's posts are addressed to everyone and its
    /// followers; a private one's to its followers alone.
    func note(_ media: Media, ownerIsPrivate: Bool, blurHashes: [String?] = []) -> [String: Any] {
        let followers = ap.followers(media.owner.username)
        let document: [String: Any] = [
            "id": ap.note(media.id),
            "type": "Note",
            "attributedTo": ap.actor(media.owner.username),
            "content": Self.paragraphs(media.caption?.text ?? ""),
            "published": Self.timestamp(media.createdAt),
            "url": links.permalink(media.id),
            "to": ownerIsPrivate ? [followers] : [Self.publicAudience],
            "cc": ownerIsPrivate ? [] : [followers],
            "sensitive": false,
            "attachment": attachments(media, blurHashes: blurHashes),
            "tag": media.tags.map { ["type": "Hashtag", "name": "#" + $0, "href": links.publicURL + "/explore/tags/" + $0 + "/"] },
        ]
        return document
    }

    private func attachments(_ media: Media, blurHashes: [String?]) -> [[String: Any]] {
        if let video = media.renditions.video, let size = video.full.last {
            return [
                [
                    "type": "Video", "mediaType": "video/mp4", "url": links.file(media.renditions, VideoRenditions.fileName(size)),
                    "width": size.width, "height": size.height, "name": media.altText ?? "",
                ]
            ]
        }
        // A carousel's items are its photos after the first, which is the media's own.
        let photos: [(Renditions, String?)] = [(media.renditions, media.altText)] + media.carouselItems.map { ($0.renditions, $0.altText) }
        return photos.enumerated().map { index, photo in
            let (renditions, altText) = photo
            var image: [String: Any] = ["type": "Image", "mediaType": "image/jpeg", "name": altText ?? ""]
            if index < blurHashes.count, let hash = blurHashes[index] { image["blurhash"] = hash }
            if let size = renditions.full.last {
                image["url"] = links.file(renditions, Renditions.fileName(size, format: "jpeg"))
                image["width"] = size.width
                image["height"] = size.height
            } else {
                image["url"] = links.rendition(renditions, "standard")
                image["width"] = renditions.standard
                image["height"] = renditions.standard
            }
            return image
        }
    }

    // MARK: Activities

    /// An activity by `actor` (a username here) about `object`, addressed as given.
    func activity(_ type: String, id: String, actor: String, object: Any, to: [String] = [], cc: [String] = []) -> [String: Any] {
        var document: [String: Any] = ["@context": Self.context, "id": id, "type": type, "actor": ap.actor(actor), "object": object]
        if !to.isEmpty { document["to"] = to }
        if !cc.isEmpty { document["cc"] = cc }
        return document
    }

    // MARK: Discovery

    func webFinger(_ username: String) -> [String: Any] {
        [
            "subject": "acct:\(username)@\(ap.host)",
            "aliases": [ap.actor(username)],
            "links": [
                ["rel": "self", "type": Self.contentType, "href": ap.actor(username)],
                ["rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": ap.actor(username)],
            ],
        ]
    }

    func nodeInfo(openRegistrations: Bool, counts: (users: Int64, posts: Int64)?) -> [String: Any] {
        var document: [String: Any] = [
            "version": "2.1",
            "software": ["name": "darkroom", "version": Self.softwareVersion, "homepage": links.publicURL],
            "protocols": ["activitypub"],
            "services": ["inbound": [String](), "outbound": [String]()],
            "openRegistrations": openRegistrations,
            "metadata": ["nodeName": ap.host],
        ]
        if let counts {
            document["usage"] = ["users": ["total": counts.users], "localPosts": counts.posts]
        } else {
            document["usage"] = ["users": [String: Any]()]
        }
        return document
    }

    // MARK: Text

    /// Plain text as the HTML other servers show: escaped, a paragraph per blank-line block, line breaks kept.
    static func paragraphs(_ text: String) -> String {
        guard !text.isEmpty else { return "" }
        return text.components(separatedBy: "\n\n").map { "<p>" + escape($0).replacingOccurrences(of: "\n", with: "<br>") + "</p>" }.joined()
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// HTML from another server as plain text: tags dropped, paragraphs and breaks as new lines, entities decoded.
    static func plainText(_ html: String) -> String {
        var text = html.replacingOccurrences(of: "<br>", with: "\n").replacingOccurrences(of: "<br/>", with: "\n")
            .replacingOccurrences(of: "<br />", with: "\n").replacingOccurrences(of: "</p><p>", with: "\n\n")
        while let open = text.range(of: "<"), let close = text.range(of: ">", range: open.upperBound..<text.endIndex) {
            text.removeSubrange(open.lowerBound..<close.upperBound)
        }
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&apos;", "'"), ("&amp;", "&")] {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func timestamp(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
