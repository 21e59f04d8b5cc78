import DarkroomCore
import Foundation

/// A video post waiting for its renditions: the fields as its author sent them, checked, kept until the transcode
/// makes the post (`MediaWriter.create` takes the row away in the same transaction).
public struct VideoPost: Codable, Sendable, Equatable {
    public struct Person: Codable, Sendable, Equatable {
        public var user: Int64
        public var x: Double
        public var y: Double

        public init(user: Int64, x: Double, y: Double) {
            (self.user, self.x, self.y) = (user, x, y)
        }
    }

    public var filter: String
    public var caption: String?
    public var locationID: Int64?
    public var latitude: Double?
    public var longitude: Double?
    public var people: [Person]
    public var altText: String?
    public var cropShape: String
    public var focusX: Double
    public var focusY: Double
    /// The moment of the cover frame, in seconds from the start.
    public var coverSeconds: Double
    /// Set for a video brought in from an archive: it is posted (or held) at its date, with its owner's comments.
    public var imported: ImportedPost?
    public var importedComments: [ImportedComment]?

    public init(
        filter: String,
        caption: String?,
        locationID: Int64?,
        latitude: Double?,
        longitude: Double?,
        people: [Person],
        altText: String?,
        crop: Crop,
        coverSeconds: Double
    ) {
        self.filter = filter
        self.caption = caption
        self.locationID = locationID
        self.latitude = latitude
        self.longitude = longitude
        self.people = people
        self.altText = altText
        cropShape = crop.shape.rawValue
        focusX = crop.focusX
        focusY = crop.focusY
        self.coverSeconds = coverSeconds
    }

    public var crop: Crop { Crop(shape: Crop.Shape(rawValue: cropShape) ?? .original, focusX: focusX, focusY: focusY) }
}

/// A video upload not yet posted.
public struct PendingVideo: Sendable, Equatable {
    public enum State: String, Sendable {
        case processing, failed
    }

    public var id: MediaID
    public var owner: UserID
    public var state: State
    /// Why it failed, in words for its author.
    public var failure: String?
    public var originalKey: String
    public var post: VideoPost
    public var idempotencyKey: String?
    public var createdAt: Int64
}

/// Video uploads while they are transcoded (`video_uploads`): only their authors ever see them.
public struct VideoUploads: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let jobs: JobQueue

    /// Keeps an upload whose original is stored and enqueues its transcode, in one transaction; answers its media id
    /// (the post's id once made). With an idempotency key used before by the same author, answers that upload's id.
    public func create(owner: UserID, originalKey: String, post: VideoPost, idempotencyKey: String?) async throws -> MediaID {
        let encoded = String(decoding: try JSONEncoder().encode(post), as: UTF8.self)
        let stored = try await database.transaction { tx -> MediaID in
            var id = MediaID(environment.ids.next())
            if let imported = post.imported {
                id = try await ImportedPosts.freeID(takenAt: imported.takenAt, engine: database.engine, in: tx)
                try await ImportedPosts.recordProcessing(imported, upload: id, owner: owner, in: tx)
            }
            let claimed = try await tx.query(
                """
                INSERT INTO video_uploads (media_id, user_id, state, original_key, post, idempotency_key, created_at)
                VALUES (\(id), \(owner), 'processing', \(originalKey), \(encoded), \(idempotencyKey), \(environment.nowSeconds))
                ON CONFLICT DO NOTHING RETURNING media_id
                """
            )
            // Only a key used before can conflict: that upload is the answer.
            if claimed.isEmpty, let idempotencyKey {
                return try await tx.query(
                    "SELECT media_id FROM video_uploads WHERE user_id = \(owner) AND idempotency_key = \(idempotencyKey)"
                ).decodeFirst { try $0.id(MediaID.self) } ?? id
            }
            try await jobs.enqueue(TranscodeVideoJob(media: id.rawValue), in: tx)
            return id
        }
        jobs.wake()
        return stored
    }

    public func find(_ id: MediaID) async throws -> PendingVideo? {
        try await database.query("SELECT \(raw: Self.columns) FROM video_uploads WHERE media_id = \(id)").decodeFirst(Self.pending)
    }

    /// The upload an idempotency key of its author's made, if it is still waiting.
    public func find(idempotencyKey: String, owner: UserID) async throws -> PendingVideo? {
        try await database.query(
            "SELECT \(raw: Self.columns) FROM video_uploads WHERE user_id = \(owner) AND idempotency_key = \(idempotencyKey)"
        ).decodeFirst(Self.pending)
    }

    /// An author's uploads not yet posted, newest first.
    public func list(owner: UserID, limit: Int = 20) async throws -> [PendingVideo] {
        try await database.query(
            "SELECT \(raw: Self.columns) FROM video_uploads WHERE user_id = \(owner) ORDER BY media_id DESC LIMIT \(limit)"
        ).decode(Self.pending)
    }

    /// Marks an upload failed, with the reason its author will read; its original is no longer named, so the sweep
    /// removes it.
    public func fail(_ id: MediaID, reason: String) async throws {
        try await database.transaction { tx in
            try await tx.execute("UPDATE video_uploads SET state = 'failed', failure = \(reason) WHERE media_id = \(id)")
            try await ImportedPosts.recordVideoFailure(upload: id, reason: reason, in: tx)
        }
    }

    /// Takes an upload away, by its author (a cancelled or dismissed one); false when there was none of theirs.
    public func remove(_ id: MediaID, by owner: UserID) async throws -> Bool {
        try await database.transaction { tx in
            !(try await tx.query("DELETE FROM video_uploads WHERE media_id = \(id) AND user_id = \(owner) RETURNING media_id").isEmpty)
        }
    }

    private static let columns = "media_id, user_id, state, failure, original_key, post, idempotency_key, created_at"

    private static func pending(_ row: inout Row) throws -> PendingVideo {
        let id: MediaID = try row.id()
        let owner: UserID = try row.id()
        let state = PendingVideo.State(rawValue: try row.string()) ?? .failed
        let failure = try row.optionalString()
        let originalKey = try row.string()
        let post = try JSONDecoder().decode(VideoPost.self, from: Data(try row.string().utf8))
        return PendingVideo(
            id: id,
            owner: owner,
            state: state,
            failure: failure,
            originalKey: originalKey,
            post: post,
            idempotencyKey: try row.optionalString(),
            createdAt: try row.int()
        )
    }
}

/// Makes a video upload's renditions and then its post (`VideoTranscoding`, in the API module, which has FFmpeg and
/// the photo pipeline for its cover). One per upload (its key); a file's own fault fails the upload rather than the job.
public struct TranscodeVideoJob: BackgroundJob {
    public static let kind = "transcode-video"
    public static let priority = JobPriority.standard
    public static let maximumAttempts: Int64 = 5
    public var key: String? { "\(media)" }

    public var media: Int64

    public init(media: Int64) { self.media = media }
}
