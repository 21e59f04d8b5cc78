import DarkroomCore
import Foundation

/// The import's side of an imported post's transaction (`MediaWriter.create`): the id its date gives it, and the
/// record that it was imported.
enum ImportedPosts {
    /// 2010-01-01, before Instagram existed: no archive date is earlier.
    static let earliest: Int64 = 1_262_304_000
    /// The advisory lock that dated ids are chosen under on PostgreSQL (any number no other lock uses).
    static let idLock: Int64 = 0x6461_7465_645f_6964

    /// An id that puts the post where its date belongs among its owner's posts. Ids carry their time from
    /// 2011-08-24 (`IDGenerator`); earlier dates (Instagram began in October 2010) get small ids in date order, 32 a
    /// second, below any id the generator makes.
    static func baseID(takenAt: Int64) -> Int64 {
        let seconds = max(takenAt, earliest)
        if seconds * 1000 >= IDGenerator.epochMilliseconds + 1000 {
            return IDGenerator.make(milliseconds: seconds * 1000, shard: 0, sequence: 0)
        }
        return (seconds - earliest) * 32 + 1
    }

    /// The first id from the date's that no media has (nor a video upload, whose post will have its id).
    static func freeID(takenAt: Int64, engine: SQLEngine, in tx: any SQLExecutor) async throws -> MediaID {
        // PostgreSQL runs write transactions side by side: two of them (an archive's photo and its video, at the same
        // date) would both find an id free, and the video's transcode would fail on it for good. The lock lasts until
        // the transaction ends, so the second looks once the first's row is there. SQLite writes one at a time.
        if engine == .postgres { _ = try await tx.query("SELECT pg_advisory_xact_lock(\(Self.idLock))") }
        var candidate = baseID(takenAt: takenAt)
        while true {
            let used = Set(
                try await tx.query(
                    """
                    SELECT id FROM media WHERE id >= \(candidate) AND id < \(candidate + 64)
                    UNION ALL SELECT media_id FROM video_uploads WHERE media_id >= \(candidate) AND media_id < \(candidate + 64)
                    """
                ).decode { try $0.int() }
            )
            for id in candidate..<(candidate + 64) where !used.contains(id) { return MediaID(id) }
            candidate += 64
        }
    }

    /// Records the post as imported, in its transaction (a held post being published, or a new one). Throws
    /// `ImportStopped` when its import was undone meanwhile, and `DuplicateImport` when the archive's post was
    /// posted already: either rolls the post back.
    static func recordPosted(_ imported: ImportedPost, media: MediaID, owner: UserID, in tx: any SQLExecutor) async throws {
        try await claim(imported, owner: owner, publishing: true, in: tx)
        try await tx.execute(
            """
            INSERT INTO archive_import_posts (user_id, item_key, import_id, state, media_id, taken_at)
            VALUES (\(owner), \(imported.itemKey), \(imported.importID), 'posted', \(media), \(imported.takenAt))
            ON CONFLICT (user_id, item_key) DO UPDATE SET state = 'posted', media_id = excluded.media_id, held = NULL, failure = NULL,
                import_id = excluded.import_id
            """
        )
        try await tx.execute("DELETE FROM archive_held_files WHERE user_id = \(owner) AND item_key = \(imported.itemKey)")
    }

    /// The owner's own comments of an imported post, at their dates; their hashtags are the post's tags too, as
    /// for any comment of its owner.
    static func addComments(
        _ comments: [ImportedComment],
        to media: MediaID,
        owner: UserID,
        environment: SystemEnvironment,
        in tx: any SQLExecutor
    ) async throws {
        guard !comments.isEmpty else { return }
        for comment in comments {
            let id = environment.ids.next()
            try await tx.execute(
                """
                INSERT INTO comments (id, media_id, user_id, text, created_at)
                VALUES (\(id), \(media), \(owner), \(comment.text), \(comment.createdAt))
                """
            )
            let tags = try await tx.query("SELECT tags FROM media WHERE id = \(media)").decodeFirst { try $0.string() } ?? ""
            try await MediaTags.add(Hashtags.extract(comment.text), to: media, existing: tags, at: media.rawValue, in: tx)
        }
        try await tx.execute(
            "UPDATE media SET comment_count = comment_count + \(Int64(comments.count)), \(MediaVersion.moves) WHERE id = \(media)"
        )
    }

    /// Checks that the archive's post is not made yet (held counts as made, unless it is being published) and counts
    /// it done for its running import (a failure of it recorded earlier in the same import is taken back).
    static func claim(_ imported: ImportedPost, owner: UserID, publishing: Bool, in tx: any SQLExecutor) async throws {
        let previous = try await tx.query(
            "SELECT state, import_id FROM archive_import_posts WHERE user_id = \(owner) AND item_key = \(imported.itemKey)"
        ).decodeFirst { (state: try $0.string(), importID: try $0.int()) }
        switch previous?.state {
        case "posted": throw DuplicateImport()
        case "held" where publishing: return
        case "held": throw DuplicateImport()
        // A video counted when its transcode was queued: made now, posted or held.
        case "processing": return
        default: break
        }
        try await count(imported.importID, in: tx)
        if let previous, previous.state == "failed", previous.importID == imported.importID {
            try await tx.execute("UPDATE archive_imports SET failed = failed - 1 WHERE id = \(imported.importID)")
        }
    }

    /// Records an imported video as waiting for its transcode (`VideoUploads`), counted done: the post made from it,
    /// or held, takes this record over; a failed transcode turns it into a failure with the reason.
    static func recordProcessing(_ imported: ImportedPost, upload: MediaID, owner: UserID, in tx: any SQLExecutor) async throws {
        try await claim(imported, owner: owner, publishing: false, in: tx)
        try await tx.execute(
            """
            INSERT INTO archive_import_posts (user_id, item_key, import_id, state, media_id, taken_at)
            VALUES (\(owner), \(imported.itemKey), \(imported.importID), 'processing', \(upload), \(imported.takenAt))
            ON CONFLICT (user_id, item_key) DO UPDATE SET state = 'processing', media_id = excluded.media_id, failure = NULL,
                import_id = excluded.import_id
            """
        )
    }

    /// An imported video whose transcode failed: its record says why, and its import counts it failed, not done.
    static func recordVideoFailure(upload: MediaID, reason: String, in tx: any SQLExecutor) async throws {
        let failed = try await tx.query(
            """
            UPDATE archive_import_posts SET state = 'failed', failure = \(String(("its video: " + reason).prefix(500)))
             WHERE media_id = \(upload) AND state = 'processing' RETURNING import_id
            """
        ).decodeFirst { try $0.int() }
        guard let failed else { return }
        try await tx.execute("UPDATE archive_imports SET done = done - 1, failed = failed + 1 WHERE id = \(failed)")
    }

    /// One more post of a running import done; throws `ImportStopped` when it no longer runs.
    static func count(_ importID: Int64, in tx: any SQLExecutor) async throws {
        let running = try await tx.query(
            "UPDATE archive_imports SET done = done + 1 WHERE id = \(importID) AND state = 'running' RETURNING id"
        )
        guard !running.isEmpty else { throw ImportStopped() }
    }
}

/// The import a post belongs to was undone (or ended) while the post was made: it is not kept.
public struct ImportStopped: Error {
    public init() {}
}

/// The archive's post is posted already: it is not posted twice.
public struct DuplicateImport: Error {}
