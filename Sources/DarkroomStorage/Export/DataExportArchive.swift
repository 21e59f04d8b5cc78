import DarkroomCore
import Foundation

/// The zip of one person's data: JSON documents beside their photos' files, described by the README inside.
struct DataExportArchive {
    let storage: Storage
    let user: UserID
    /// The `data_exports` row whose progress to record; nil for an archive written straight to a path.
    let export: Int64?

    /// Writes the archive (as `path.partial`, renamed into place when whole) and answers its size in bytes.
    func write(to path: String) async throws -> Int64 {
        let database = storage.database
        guard let profile = try await Profile.read(user, from: database) else { throw DomainError.notFound(.user) }
        let media = try await MediaItem.read(user, from: database)
        if let export { try await database.execute("UPDATE data_exports SET total = \(Int64(media.count)) WHERE id = \(export)") }
        let documents: [(String, any Encodable)] = [
            ("manifest.json", Manifest(exportedAt: storage.environment.nowSeconds, username: profile.username)),
            ("profile.json", profile), ("media.json", media),
            ("comments.json", try await CommentItem.read(user, from: database)),
            ("likes.json", try await LikeItem.read(user, from: database)),
            ("relationships.json", try await Relationships.read(user, from: database)),
            ("applications.json", try await storage.tokens.authorizedApps(of: user).map { ApplicationItem($0) }),
            ("clients.json", try await storage.clients.owned(by: user).map(ClientItem.init)),
            ("security.json", try await SecurityItem.read(user, from: storage)),
        ]
        let written = Date(timeIntervalSince1970: TimeInterval(storage.environment.nowSeconds))
        let zip = try await ZipWriter.create(path + ".partial", modified: written)
        try await zip.add("README.md", Data(Self.readme.utf8))
        for (name, document) in documents { try await zip.add(name, try Self.json(document)) }
        if let picture = profile.profilePictureFile, let key = profile.pictureKey, let file = storage.files.path(key, "profile.jpg") {
            try await zip.addFile(picture, at: file)
        }
        for (index, item) in media.enumerated() {
            for photo in item.photos {
                for (size, entry) in photo.files.sorted(by: { $0.key < $1.key }) {
                    guard let source = storage.files.path(photo.key, size + ".jpg") else { continue }
                    try await zip.addFile(entry, at: source)
                }
                if let entry = photo.original, let key = photo.originalKey, let source = storage.originals.path(key) {
                    try await zip.addFile(entry, at: source)
                }
            }
            if let export, index % 20 == 19 || index == media.count - 1 {
                try await database.execute("UPDATE data_exports SET done = \(Int64(index + 1)) WHERE id = \(export)")
            }
        }
        return try await zip.finish(renamingTo: path)
    }

    static func json(_ document: any Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document)
    }

    static let readme = """
        # Your Darkroom data

        This archive holds everything your Darkroom account keeps about you, as it was when the archive was made.
        Every document is JSON (UTF-8). Times are Unix timestamps (seconds since 1970-01-01 UTC); ids are the same
        numbers the API uses (media ids as `ID_USERID` in the API are the first number here).

        - `manifest.json` — what this archive is: `format` ("darkroom-account") and `version` (2), for another
          Darkroom server to import it whole (Settings → Bring in your photos, or `darkroom user import-instagram`).
        - `profile.json` — your username, name, bio, website, whether the account is private, when it was made, your
          counts, `profile_picture`: the file of your picture in this archive, if you set one, and `also_known_as`:
          the accounts on other servers you named as your old ones.
        - `media.json` — every post, oldest first: its id and `shortcode` (the `/p/{shortcode}/` link), when, the
          filter, the caption, tags, the place, people tagged in it (by username), its like and comment counts, and
          `photos`: each photo of the post (several for a carousel), with its filter, its description (`alt_text`),
          `original` — the file you uploaded, byte for byte, in this archive — and `files`, its square renditions
          (`standard` 612 px, `low` 306 px, `thumbnail` 150 px JPEGs). `original` is null for photos posted before
          Darkroom kept originals: for those, the renditions are all that was stored. `files` and `original` at the
          top repeat the first photo's. Each photo also has its `crop` (`square` or `original`) and `focal_point`
          (x, y from the top left, 0 to 1); `type` is `image`, `carousel` or `video` (a video's `original` is the
          clip); `own_comments` are the comments you wrote on the post yourself, with when.
        - `media/{id}/…` — those files; a carousel's later photos are in `media/{id}/2/…`, `media/{id}/3/…`.
        - `comments.json` — every comment you wrote, on anyone's photo: the photo's id and shortcode, the text, when.
        - `likes.json` — every photo you liked (its id and shortcode) and when.
        - `relationships.json` — whom you follow, who follows you, follow requests you sent and received, and whom
          you blocked, each with the username and when it began.
        - `applications.json` — the apps you let use your account, with what they may do and since when.
        - `clients.json` — the API clients you registered as a developer (not their secrets).
        - `security.json` — your email address and whether it is confirmed, whether two-factor sign-in is on (and how
          many recovery codes are left; never the codes or the secret), the browsers signed in to your account, and
          your security log: sign-ins, wrong passwords and codes, password, email and two-factor changes, newest first.
        """
}

extension Storage {
    /// Writes a user's data archive to `path` now (`darkroom user export`); answers its size in bytes.
    public func writeDataArchive(of user: UserID, to path: String) async throws -> Int64 {
        try await DataExportArchive(storage: self, user: user, export: nil).write(to: path)
    }
}

// MARK: The documents

private struct Profile: Encodable {
    var id: Int64
    var username: String
    var fullName: String
    var bio: String
    var website: String
    var isPrivate: Bool
    var createdAt: Int64
    var counts: [String: Int64]
    var profilePictureFile: String?
    var pictureKey: String?
    var alsoKnownAs: [String] = []

    enum CodingKeys: String, CodingKey {
        case id, username
        case fullName = "full_name"
        case bio, website
        case isPrivate = "is_private"
        case createdAt = "created_at"
        case counts
        case profilePictureFile = "profile_picture"
        case alsoKnownAs = "also_known_as"
    }

    static func read(_ user: UserID, from database: any Database) async throws -> Profile? {
        let aliases = try await FederationStore.aliases(of: user, in: database)
        return try await database.query("SELECT \(raw: Columns.user) FROM users u WHERE u.id = \(user)").decodeFirst { row in
            let user = try Columns.user(&row)
            return Profile(
                id: user.id.rawValue,
                username: user.username,
                fullName: user.summary.fullName,
                bio: user.bio,
                website: user.website,
                isPrivate: user.isPrivate,
                createdAt: user.createdAt,
                counts: ["media": user.counts.media, "follows": user.counts.follows, "followed_by": user.counts.followedBy],
                profilePictureFile: user.summary.profilePicture == nil ? nil : "profile_picture.jpg",
                pictureKey: user.summary.profilePicture,
                alsoKnownAs: aliases
            )
        }
    }
}

private struct MediaItem: Encodable {
    var id: Int64
    var shortcode: String
    var createdAt: Int64
    var filter: String
    var caption: String?
    var tags: [String]
    var location: [String: String]?
    var usersInPhoto: [String]
    var likeCount: Int64
    var commentCount: Int64
    var type: String
    var ownComments: [OwnComment]
    var photos: [PhotoItem]

    /// A comment the person wrote on their own post.
    struct OwnComment: Encodable {
        var text: String
        var createdAt: Int64

        enum CodingKeys: String, CodingKey {
            case text
            case createdAt = "created_at"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, shortcode, type
        case createdAt = "created_at"
        case filter, caption, tags, location
        case usersInPhoto = "users_in_photo"
        case likeCount = "like_count"
        case commentCount = "comment_count"
        case ownComments = "own_comments"
        case photos, files, original
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(shortcode, forKey: .shortcode)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(filter, forKey: .filter)
        try container.encode(caption, forKey: .caption)
        try container.encode(tags, forKey: .tags)
        try container.encode(location, forKey: .location)
        try container.encode(usersInPhoto, forKey: .usersInPhoto)
        try container.encode(likeCount, forKey: .likeCount)
        try container.encode(commentCount, forKey: .commentCount)
        try container.encode(type, forKey: .type)
        try container.encode(ownComments, forKey: .ownComments)
        try container.encode(photos, forKey: .photos)
        try container.encode(photos[0].files, forKey: .files)
        try container.encode(photos[0].original, forKey: .original)
    }

    /// One photo of a post: its files in the archive, and where they are stored.
    struct PhotoItem: Encodable {
        var filter: String
        var altText: String?
        var crop: String
        var focalPoint: [Double]
        var files: [String: String]
        /// Its path in the archive; nil when the photo has no original.
        var original: String?
        var key: String
        var originalKey: String?

        enum CodingKeys: String, CodingKey {
            case filter, files, original, crop
            case altText = "alt_text"
            case focalPoint = "focal_point"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(filter, forKey: .filter)
            try container.encode(altText, forKey: .altText)
            try container.encode(crop, forKey: .crop)
            try container.encode(focalPoint, forKey: .focalPoint)
            try container.encode(files, forKey: .files)
            try container.encode(original, forKey: .original)
        }

        init(folder: String, filter: String, altText: String?, crop: Crop, key: String, originalKey: String?) {
            self.filter = filter
            self.altText = altText
            self.crop = crop.shape.rawValue
            focalPoint = [crop.focusX, crop.focusY]
            self.key = key
            self.originalKey = originalKey
            files = Dictionary(uniqueKeysWithValues: ["standard", "low", "thumbnail"].map { ($0, "\(folder)/\($0).jpg") })
            original = originalKey.map { "\(folder)/original." + ($0.split(separator: ".").last.map(String.init) ?? "bin") }
        }
    }

    static func read(_ user: UserID, from database: any Database) async throws -> [MediaItem] {
        let tagged = try await database.query(
            """
            SELECT p.media_id, u.username FROM media_users_in_photo p JOIN users u ON u.id = p.user_id
             WHERE p.media_id IN (SELECT id FROM media WHERE user_id = \(user))
            """
        ).decode { (media: try $0.int(), username: try $0.string()) }
        let people = Dictionary(grouping: tagged, by: \.media).mapValues { $0.map(\.username).sorted() }
        let items = try await database.query(
            """
            SELECT i.media_id, i.position, i.filter, i.alt_text, i.crop, i.focus_x, i.focus_y, i.image_key, i.original_key
              FROM media_items i JOIN media m ON m.id = i.media_id
             WHERE m.user_id = \(user) ORDER BY i.media_id, i.position
            """
        ).decode { row in
            let media = try row.int()
            let position = try row.int()
            return (
                media: media,
                photo: PhotoItem(
                    folder: "media/\(media)/\(position + 1)",
                    filter: try row.string(),
                    altText: try row.optionalString(),
                    crop: try Self.crop(&row),
                    key: try row.string(),
                    originalKey: try row.optionalString()
                )
            )
        }
        let carousels = Dictionary(grouping: items, by: \.media).mapValues { $0.map(\.photo) }
        let comments = try await database.query(
            """
            SELECT c.media_id, c.text, c.created_at FROM comments c JOIN media m ON m.id = c.media_id AND m.user_id = c.user_id
             WHERE c.user_id = \(user) ORDER BY c.id
            """
        ).decode { (media: try $0.int(), comment: OwnComment(text: try $0.string(), createdAt: try $0.int())) }
        let ownComments = Dictionary(grouping: comments, by: \.media).mapValues { $0.map(\.comment) }
        return try await database.query(
            """
            SELECT m.id, m.created_at, m.filter, m.caption, m.tags, l.name, m.latitude, m.longitude, m.like_count, m.comment_count, m.image_key,
                   m.alt_text, m.original_key, m.crop, m.focus_x, m.focus_y, m.type
              FROM media m LEFT JOIN locations l ON l.id = m.location_id WHERE m.user_id = \(user) ORDER BY m.id
            """
        ).decode { row in
            let id = try row.int()
            let createdAt = try row.int()
            let filter = try row.string()
            let caption = try row.optionalString()
            let tags = try row.string()
            let place = try row.optionalString()
            let latitude = try row.optionalDouble()
            let longitude = try row.optionalDouble()
            var location: [String: String]?
            if let latitude, let longitude {
                location = ["latitude": String(latitude), "longitude": String(longitude)]
                if let place, !place.isEmpty { location?["name"] = place }
            }
            let (likeCount, commentCount) = (try row.int(), try row.int())
            let (key, altText, originalKey) = (try row.string(), try row.optionalString(), try row.optionalString())
            let photo = PhotoItem(
                folder: "media/\(id)",
                filter: filter,
                altText: altText,
                crop: try Self.crop(&row),
                key: key,
                originalKey: originalKey
            )
            let type = try row.string()
            return MediaItem(
                id: id,
                shortcode: Shortcode.encode(MediaID(id)),
                createdAt: createdAt,
                filter: filter,
                caption: caption,
                tags: tags.split(separator: " ").map(String.init),
                location: location,
                usersInPhoto: people[id] ?? [],
                likeCount: likeCount,
                commentCount: commentCount,
                type: type,
                ownComments: ownComments[id] ?? [],
                photos: [photo] + (carousels[id] ?? [])
            )
        }
    }

    private static func crop(_ row: inout Row) throws -> Crop {
        Crop(shape: Crop.Shape(rawValue: try row.string()) ?? .square, focusX: try row.double(), focusY: try row.double())
    }
}

/// What the archive is, for a server importing it (`DarkroomArchive`): its format and version.
private struct Manifest: Encodable {
    var format = "darkroom-account"
    /// 2: posts carry their type, each photo's crop and focal point, and the owner's own comments.
    var version = 2
    var exportedAt: Int64
    var username: String

    enum CodingKeys: String, CodingKey {
        case format, version, username
        case exportedAt = "exported_at"
    }
}

private struct CommentItem: Encodable {
    var id: Int64
    var mediaID: Int64
    var shortcode: String
    var text: String
    var createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case id
        case mediaID = "media_id"
        case shortcode, text
        case createdAt = "created_at"
    }

    static func read(_ user: UserID, from database: any Database) async throws -> [CommentItem] {
        try await database.query("SELECT id, media_id, text, created_at FROM comments WHERE user_id = \(user) ORDER BY id").decode { row in
            let id = try row.int()
            let media = try row.int()
            return CommentItem(id: id, mediaID: media, shortcode: Shortcode.encode(MediaID(media)), text: try row.string(), createdAt: try row.int())
        }
    }
}

private struct LikeItem: Encodable {
    var mediaID: Int64
    var shortcode: String
    var likedAt: Int64

    enum CodingKeys: String, CodingKey {
        case mediaID = "media_id"
        case shortcode
        case likedAt = "liked_at"
    }

    static func read(_ user: UserID, from database: any Database) async throws -> [LikeItem] {
        try await database.query("SELECT media_id, created_at FROM likes WHERE user_id = \(user) ORDER BY id").decode { row in
            let media = try row.int()
            return LikeItem(mediaID: media, shortcode: Shortcode.encode(MediaID(media)), likedAt: try row.int())
        }
    }
}

private struct Relationships: Encodable {
    struct Other: Encodable {
        var username: String
        var since: Int64
    }

    var following: [Other]
    var followers: [Other]
    var requestsSent: [Other]
    var requestsReceived: [Other]
    var blocked: [Other]

    enum CodingKeys: String, CodingKey {
        case following, followers
        case requestsSent = "requests_sent"
        case requestsReceived = "requests_received"
        case blocked
    }

    static func read(_ user: UserID, from database: any Database) async throws -> Relationships {
        func others(_ sql: SQL) async throws -> [Other] {
            try await database.query(sql).decode { Other(username: try $0.string(), since: try $0.int()) }
        }
        return Relationships(
            following: try await others(
                "SELECT u.username, f.created_at FROM follows f JOIN users u ON u.id = f.followee_id WHERE f.follower_id = \(user) ORDER BY f.id"
            ),
            followers: try await others(
                "SELECT u.username, f.created_at FROM follows f JOIN users u ON u.id = f.follower_id WHERE f.followee_id = \(user) ORDER BY f.id"
            ),
            requestsSent: try await others(
                """
                SELECT u.username, r.created_at FROM follow_requests r JOIN users u ON u.id = r.target_id WHERE r.requester_id = \(user) ORDER BY \
                r.id
                """
            ),
            requestsReceived: try await others(
                """
                SELECT u.username, r.created_at FROM follow_requests r JOIN users u ON u.id = r.requester_id WHERE r.target_id = \(user) ORDER BY \
                r.id
                """
            ),
            blocked: try await others(
                "SELECT u.username, b.created_at FROM blocks b JOIN users u ON u.id = b.blocked_id WHERE b.blocker_id = \(user) ORDER BY b.created_at"
            )
        )
    }
}

private struct ApplicationItem: Encodable {
    var name: String
    var website: String
    var scopes: [String]
    var since: Int64

    init(_ app: TokenStore.AuthorizedApp) {
        name = app.client.name
        website = app.client.website
        scopes = app.scopes.map(\.rawValue).sorted()
        since = app.since
    }
}

private struct ClientItem: Encodable {
    var name: String
    var clientID: String
    var description: String
    var website: String
    var redirectURIs: [String]

    enum CodingKeys: String, CodingKey {
        case name
        case clientID = "client_id"
        case description, website
        case redirectURIs = "redirect_uris"
    }

    init(_ client: Client) {
        name = client.name
        clientID = client.clientID
        description = client.description
        website = client.website
        redirectURIs = client.redirectURIs
    }
}

private struct SecurityItem: Encodable {
    struct Event: Encodable {
        var kind: String
        var description: String
        var address: String
        var detail: String
        var createdAt: Int64

        enum CodingKeys: String, CodingKey {
            case kind, description, address, detail
            case createdAt = "created_at"
        }
    }

    struct Session: Encodable {
        var device: String
        var address: String
        var createdAt: Int64
        var lastSeenAt: Int64

        enum CodingKeys: String, CodingKey {
            case device, address
            case createdAt = "created_at"
            case lastSeenAt = "last_seen_at"
        }
    }

    var email: String?
    var emailVerified: Bool
    var twoFactor: Bool
    var recoveryCodesLeft: Int
    var sessions: [Session]
    var log: [Event]

    enum CodingKeys: String, CodingKey {
        case email
        case emailVerified = "email_verified"
        case twoFactor = "two_factor"
        case recoveryCodesLeft = "recovery_codes_left"
        case sessions, log
    }

    static func read(_ user: UserID, from storage: Storage) async throws -> SecurityItem {
        let email = try await storage.users.email(of: user)
        let twoFactor = try await storage.twoFactor.status(of: user)
        return SecurityItem(
            email: email?.address,
            emailVerified: email?.isVerified ?? false,
            twoFactor: twoFactor.isEnabled,
            recoveryCodesLeft: twoFactor.recoveryCodesLeft,
            sessions: try await storage.sessions.list(of: user, current: nil).map {
                Session(device: $0.device, address: $0.address, createdAt: $0.createdAt, lastSeenAt: $0.lastSeenAt)
            },
            log: try await storage.securityLog.recent(of: user, count: 10_000).map {
                Event(kind: $0.kind.rawValue, description: $0.kind.description, address: $0.address, detail: $0.detail, createdAt: $0.createdAt)
            }
        )
    }
}
