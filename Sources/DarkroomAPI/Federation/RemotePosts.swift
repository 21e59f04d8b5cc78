import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation
import Logging

/// Takes in a post delivered from another server (`ReceiveRemotePostJob`): up to ten photos fetched once through the
/// guarded client (its address rule, no redirects, a deadline, at most `photoLimit` bytes each), decoded and
/// re-rendered by the same ingest as an upload (its pixel limit included), and posted as the remote person's media,
/// with its caption and alt texts. Its note id is kept (`federated_objects`), so a later Delete or Update, a like or
/// a reply finds it, and a second delivery changes nothing.
struct RemotePosts: Sendable {
    let storage: Storage
    let ingest: PhotoIngest
    let http: CallbackClient
    /// For signed fetches of actors and outboxes.
    let client: FederationClient
    let logger: Logger

    static let photoLimit = 32 << 20
    static let maximumPhotos = 10

    /// Takes a newly followed account's latest posts (its outbox's first page, twenty at most) and its picture.
    func backfill(_ job: BackfillRemoteAccountJob) async throws {
        let author = UserID(job.author)
        guard let known = try await storage.federation.actor(user: author) else { return }
        let actor = try await client.fetch(known.actor.uri)
        if let icon = actor[object: "icon"]?[string: "url"] ?? actor.objects("icon").first?[string: "url"],
            try await storage.users.find(author)?.summary.profilePicture == nil
        {
            do {
                let answer = try await http.get(icon, headers: ["Accept": "image/*"])
                if (200..<300).contains(answer.status), answer.body.count < Self.photoLimit {
                    try await ingest.replaceProfilePicture(of: author, with: answer.body, in: storage)
                }
            } catch {
                logger.info("remote profile picture not taken", metadata: ["url": "\(icon)", "error": "\(error)"])
            }
        }
        guard let outbox = actor[string: "outbox"], CallbackURL.host(of: outbox) == known.actor.handle.host else { return }
        let collection = try await client.fetch(outbox)
        var page = collection
        if let first = collection[object: "first"] {
            page = first
        } else if let first = collection[string: "first"] {
            page = try await client.fetch(first)
        }
        for item in (page.objects("orderedItems") + page.objects("items")).prefix(20) where item.type == "Create" {
            var note = item[object: "object"]
            if note == nil, let id = item.id("object"), CallbackURL.host(of: id) == known.actor.handle.host { note = try? await client.fetch(id) }
            guard let note, let uri = note.id, CallbackURL.host(of: uri) == known.actor.handle.host, note.id("inReplyTo") == nil,
                note.id("attributedTo") == known.actor.uri
            else { continue }
            try await storage.jobs.enqueue(ReceiveRemotePostJob(author: author, note: JSONDocument.string(note.fields), uri: uri))
        }
    }

    /// An ISO 8601 date as servers write them (with or without fractions of a second).
    static func date(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970) }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970) }
    }

    struct Unusable: Error, CustomStringConvertible {
        var description: String
    }

    func receive(_ job: ReceiveRemotePostJob) async throws {
        if let known = try await storage.federation.object(job.uri) {
            if known.kind == .post, let sharer = job.sharedBy { try await storage.federation.share(known.media, by: UserID(sharer)) }
            return
        }
        guard let note = JSONObject(bytes: Array(job.note.utf8)) else { return }
        let author = UserID(job.author)
        guard let actor = try await storage.federation.actor(user: author) else { return }
        if try await storage.federation.policy(of: actor.actor.handle.host) == .rejectMedia { return }
        let images = note.objects("attachment").filter {
            ($0.type == "Image" || $0.type == "Document") && ($0[string: "mediaType"] ?? "image/").hasPrefix("image/")
        }.prefix(Self.maximumPhotos)
        guard !images.isEmpty else { return }
        var stored: [(StoredPhoto, String?)] = []
        do {
            for image in images {
                guard let url = image[string: "url"] ?? image.objects("url").first?[string: "href"] else { continue }
                let answer = try await http.get(url, headers: ["Accept": "image/*"])
                guard (200..<300).contains(answer.status), answer.body.count < Self.photoLimit else {
                    throw Unusable(description: "\(url) answered \(answer.status) with \(answer.body.count) bytes")
                }
                let photo = try await ingest.ingest(answer.body, filter: .normal, crop: Crop(shape: .original), keepingOriginalIn: nil)
                let alt = image[string: "name"].map { String($0.prefix(1000)) }.flatMap { $0.isEmpty ? nil : $0 }
                stored.append((photo, alt))
            }
            guard let first = stored.first else { return }
            let caption = String(ActivityPubDocuments.plainText(note[string: "content"] ?? "").prefix(2200))
            var new = NewMedia(owner: author, caption: caption.isEmpty ? nil : caption, renditions: first.0.renditions)
            new.crop = Crop(shape: .original)
            new.altText = first.1
            new.carouselItems = stored.dropFirst().map { photo, alt in
                NewPhoto(
                    filter: Filter.normal.name,
                    renditions: photo.renditions,
                    altText: alt,
                    originalKey: nil,
                    crop: Crop(shape: .original),
                    camera: nil,
                    usersInPhoto: []
                )
            }
            new.remoteNote = job.uri
            new.remotePublished = note[string: "published"].flatMap(Self.date).map { min($0, storage.environment.nowSeconds) }
            let media = try await storage.mediaWriter.create(new)
            if let sharer = job.sharedBy { try await storage.federation.share(media, by: UserID(sharer)) }
        } catch {
            for (photo, _) in stored { await storage.files.remove(photo.renditions.key) }
            if error is ImageError || error is Unusable || error is APIError {
                logger.info("remote post not taken", metadata: ["note": "\(job.uri)", "error": "\(error)"])
                return
            }
            throw error
        }
    }
}
