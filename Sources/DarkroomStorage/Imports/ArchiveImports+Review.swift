import DarkroomCore
import Foundation

/// Posts held for review, and undoing an import.
extension ArchiveImports {
    /// A post waiting for its owner's review.
    public struct Held: Sendable {
        public var key: String
        public var importID: Int64
        public var takenAt: Int64
        public var post: HeldPost
    }

    /// Keeps an imported post for its owner to review; its files stay (the sweep is told of them).
    /// A video's post is held once transcoded: its upload (`fromVideoUpload`) goes in the same transaction.
    public func hold(_ post: HeldPost, imported: ImportedPost, owner: UserID, fromVideoUpload: MediaID? = nil) async throws {
        let encoded = String(decoding: try JSONEncoder().encode(post), as: UTF8.self)
        try await database.transaction { tx in
            if let upload = fromVideoUpload {
                let taken = try await tx.query("DELETE FROM video_uploads WHERE media_id = \(upload) RETURNING media_id")
                guard !taken.isEmpty else { throw DomainError.notFound(.media) }
            }
            try await ImportedPosts.claim(imported, owner: owner, publishing: false, in: tx)
            try await tx.execute(
                """
                INSERT INTO archive_import_posts (user_id, item_key, import_id, state, taken_at, held)
                VALUES (\(owner), \(imported.itemKey), \(imported.importID), 'held', \(imported.takenAt), \(encoded))
                ON CONFLICT (user_id, item_key) DO UPDATE SET state = 'held', held = excluded.held, failure = NULL, import_id = excluded.import_id
                """
            )
            for key in post.fileKeys {
                try await tx.execute(
                    "INSERT INTO archive_held_files (file_key, user_id, item_key) VALUES (\(key), \(owner), \(imported.itemKey))"
                )
            }
        }
    }

    /// The account's held posts, newest first, after the date `before` (for the next page).
    public func held(of owner: UserID, before: Int64? = nil, limit: Int = 60) async throws -> [Held] {
        try await database.query(
            """
            SELECT item_key, import_id, taken_at, held FROM archive_import_posts
             WHERE user_id = \(owner) AND state = 'held' AND taken_at < \(before ?? Int64.max)
             ORDER BY taken_at DESC, item_key LIMIT \(limit)
            """
        ).decode { row in
            let (key, importID, takenAt) = (try row.string(), try row.int(), try row.int())
            let post = try JSONDecoder().decode(HeldPost.self, from: Data((try row.optionalString() ?? "").utf8))
            return Held(key: key, importID: importID, takenAt: takenAt, post: post)
        }
    }

    public func heldCount(of owner: UserID) async throws -> Int64 {
        try await database.query("SELECT count(*) FROM archive_import_posts WHERE user_id = \(owner) AND state = 'held'").scalarInt() ?? 0
    }

    /// Posts held posts of the account (those named, or all): each as its own media, in its date's place.
    /// Answers how many were posted.
    @discardableResult
    public func publish(of owner: UserID, keys: [String]? = nil) async throws -> Int {
        var posted = 0
        while true {
            let batch = try await held(of: owner, limit: 50).filter { keys?.contains($0.key) ?? true }
            guard !batch.isEmpty else { return posted }
            for held in batch {
                let imported = ImportedPost(importID: held.importID, itemKey: held.key, takenAt: held.takenAt)
                _ = try await writer.create(held.post.newMedia(owner: owner, imported: imported))
                posted += 1
            }
            if keys != nil { return posted }
        }
    }

    /// Drops a held post and its files; false when there was none.
    public func discard(of owner: UserID, key: String) async throws -> Bool {
        let removed = try await database.transaction { tx in
            try await tx.query(
                "DELETE FROM archive_import_posts WHERE user_id = \(owner) AND item_key = \(key) AND state = 'held' RETURNING held"
            )
        }.decodeFirst { try JSONDecoder().decode(HeldPost.self, from: Data((try $0.optionalString() ?? "").utf8)) }
        guard let removed else { return false }
        for photo in removed.photos { await files.remove(photo.key) }
        return true
    }

    /// Starts undoing an import of the account: it stops if it runs, and everything it made goes.
    public func undo(_ id: Int64, owner: UserID) async throws {
        try await database.transaction { tx in
            let changed = try await tx.query(
                """
                UPDATE archive_imports SET state = 'undoing', runner = NULL
                 WHERE id = \(id) AND user_id = \(owner) AND state IN ('queued', 'running', 'done', 'failed') RETURNING id
                """
            )
            guard !changed.isEmpty else { throw DomainError.notFound(.media) }
            try await jobs.enqueue(UndoImportJob(import: id), in: tx)
        }
        jobs.wake()
    }

    /// One step of undoing: deletes a batch of what the import made; true when nothing is left.
    func undoStep(_ id: Int64, batch: Int = 50) async throws -> Bool {
        let posts = try await database.query(
            """
            SELECT item_key, media_id, held, user_id FROM archive_import_posts
             WHERE import_id = \(id) AND state IN ('posted', 'held', 'processing') LIMIT \(batch)
            """
        ).decode { (key: try $0.string(), media: try $0.optionalInt(), held: try $0.optionalString(), owner: try $0.int()) }
        for post in posts {
            if let media = post.media {
                for key in try await writer.delete(MediaID(media)) ?? [] { await files.remove(key) }
                // A video still waiting for its transcode: its upload goes, and the transcode finds nothing to post.
                try await database.execute("DELETE FROM video_uploads WHERE media_id = \(media)")
            }
            if let held = post.held, let decoded = try? JSONDecoder().decode(HeldPost.self, from: Data(held.utf8)) {
                for photo in decoded.photos { await files.remove(photo.key) }
            }
            try await database.execute("DELETE FROM archive_import_posts WHERE user_id = \(post.owner) AND item_key = \(post.key)")
        }
        guard posts.isEmpty else { return false }
        try await database.execute("DELETE FROM archive_import_posts WHERE import_id = \(id)")
        try await database.execute("UPDATE archive_imports SET state = 'undone', finished_at = \(environment.nowSeconds) WHERE id = \(id)")
        return true
    }

    /// Removes the archive's files once the import has ended, when they are the server's (uploaded through the page).
    public func removeArchive(of found: Import) {
        guard found.ownsFiles else { return }
        for path in found.paths where path.hasPrefix(folder + "/") { try? FileManager.default.removeItem(atPath: path) }
        if let first = found.paths.first, first.hasPrefix(folder + "/") {
            try? FileManager.default.removeItem(atPath: (first as NSString).deletingLastPathComponent)
        }
    }
}

/// Undoes an import, a batch at a time: its posts (as their owner deleting them would), its held posts, its records.
public struct UndoImportJob: StorageJob {
    public static let kind = "undo-import"
    public var `import`: Int64
    public var key: String? { String(`import`) }

    public init(import id: Int64) { self.import = id }

    public func run(in context: JobContext) async throws {
        let imports = context.storage.archiveImports
        if try await imports.undoStep(`import`) {
            if let found = try await imports.find(`import`) { imports.removeArchive(of: found) }
        } else {
            context.runAgain(at: context.storage.environment.nowSeconds)
        }
    }
}
