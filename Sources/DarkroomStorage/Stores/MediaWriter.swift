import DarkroomCore

/// An upload whose idempotency key an earlier upload by the same user already used.
public struct DuplicateUpload: Error {
    public let existing: MediaID
}

/// Writes media, and the counts that go with it, in one transaction each.
public struct MediaWriter: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let changes: StoreChanges
    /// Where a post's background work goes: its fan-out to many followers, its announcement to subscribers.
    let jobs: JobQueue
    /// Rung after a post commits, for this process's live streams (the post is in its author's feed, and maybe others').
    let live: LiveSignal

    /// Stores a media with its caption's hashtags as tags; the owner's media count moves with it.
    /// Throws `DuplicateUpload` when its idempotency key was used before.
    public func create(_ new: NewMedia) async throws -> MediaID {
        let tags = new.caption.map(Hashtags.extract) ?? []
        // A caption is its owner's first comment (v1): it has a comment id of its own, never the media's.
        let captionID = new.caption == nil ? nil : environment.ids.next()
        let id = try await database.transaction { tx in
            let id: MediaID
            let created: Int64
            if let imported = new.imported {
                // An imported video's upload already has the id its date gives.
                if let upload = new.fromVideoUpload {
                    id = upload
                } else {
                    id = try await ImportedPosts.freeID(takenAt: imported.takenAt, engine: database.engine, in: tx)
                }
                created = imported.takenAt
            } else if let published = new.remotePublished {
                id = try await ImportedPosts.freeID(takenAt: published, engine: database.engine, in: tx)
                created = published
            } else {
                id = new.fromVideoUpload ?? MediaID(environment.ids.next())
                created = IDGenerator.milliseconds(of: id.rawValue) / 1000
            }
            let first = new.renditions
            if let upload = new.fromVideoUpload {
                // Its author may have cancelled it meanwhile: then there is nothing to post.
                let taken = try await tx.query("DELETE FROM video_uploads WHERE media_id = \(upload) RETURNING media_id")
                guard !taken.isEmpty else { throw DomainError.notFound(.media) }
            }
            try await tx.execute(
                """
                INSERT INTO media (id, user_id, type, filter, caption, caption_id, location_id, latitude, longitude, created_at,
                                   image_key, standard_size, low_size, thumbnail_size, tags, users_in_photo_count, full_sizes,
                                   alt_text, original_key, crop, focus_x, focus_y, camera, video_sizes)
                VALUES (\(id), \(new.owner), \(new.carouselItems.isEmpty ? new.type : "carousel"), \(new.filter), \(new.caption),
                        \(captionID), \(new.locationID?.rawValue), \(new.latitude), \(new.longitude), \(created), \(first.key),
                        \(first.standard), \(first.low), \(first.thumbnail), '',
                        \(new.usersInPhoto.count + new.carouselItems.reduce(0) { $0 + $1.usersInPhoto.count }),
                        \(Renditions.encode(first.full)), \(new.altText), \(new.originalKey), \(new.crop.shape.rawValue),
                        \(new.crop.focusX), \(new.crop.focusY), \(CameraColumn.encode(new.camera)), \(first.video?.encoded))
                """
            )
            for (index, item) in new.carouselItems.enumerated() {
                try await tx.execute(
                    """
                    INSERT INTO media_items (media_id, position, filter, image_key, full_sizes, alt_text, original_key, crop, focus_x,
                                             focus_y, camera)
                    VALUES (\(id), \(Int64(index + 1)), \(item.filter), \(item.renditions.key), \(Renditions.encode(item.renditions.full)),
                            \(item.altText), \(item.originalKey), \(item.crop.shape.rawValue), \(item.crop.focusX), \(item.crop.focusY),
                            \(CameraColumn.encode(item.camera)))
                    """
                )
            }
            // After the media, which the key names; a key used before rolls the whole post back.
            if let key = new.idempotencyKey {
                let claimed = try await tx.query(
                    """
                    INSERT INTO upload_keys (user_id, idempotency_key, media_id, created_at) VALUES (\(new.owner), \(key), \(id), \(created))
                    ON CONFLICT DO NOTHING RETURNING media_id
                    """
                )
                if claimed.isEmpty, let existing = try await Self.upload(key, by: new.owner, in: tx) { throw DuplicateUpload(existing: existing) }
            }
            try await MediaTags.add(tags, to: id, existing: "", at: id.rawValue, in: tx)
            let people = [new.usersInPhoto] + new.carouselItems.map(\.usersInPhoto)
            for (item, tagged) in people.enumerated() {
                for person in tagged {
                    try await tx.execute(
                        """
                        INSERT INTO media_users_in_photo (media_id, user_id, x, y, item)
                        VALUES (\(id), \(person.user), \(person.x), \(person.y), \(Int64(item)))
                        ON CONFLICT DO NOTHING
                        """
                    )
                    try await ActivityStore.record(.tag, to: person.user, by: new.owner, media: id, environment: environment, in: tx)
                }
            }
            if let imported = new.imported {
                try await ImportedPosts.recordPosted(imported, media: id, owner: new.owner, in: tx)
                try await ImportedPosts.addComments(new.importedComments, to: id, owner: new.owner, environment: environment, in: tx)
            }
            if let caption = new.caption, new.imported == nil {
                try await ActivityStore.recordMentions(in: caption, by: new.owner, media: id, comment: nil, environment: environment, in: tx)
            }
            let (followers, remoteFollowers) =
                try await tx.query(
                    """
                    UPDATE users SET media_count = media_count + 1 WHERE id = \(new.owner) RETURNING followed_by_count, remote_followers
                    """
                ).decodeFirst { (try $0.int(), try $0.int()) } ?? (0, 0)
            // For real-time subscribers, when there are any: a job in this transaction, so a post that commits is
            // never left unannounced, while matching it to subscriptions is left to the job.
            if new.imported == nil {
                try await jobs.enqueue(AnnounceMediaJob(media: id.rawValue, time: created), when: "EXISTS (SELECT 1 FROM subscriptions)", in: tx)
                if remoteFollowers > 0 { try await jobs.enqueue(FederateJob(.create(media: id.rawValue)), in: tx) }
            }
            if let note = new.remoteNote {
                try await tx.execute(
                    """
                    INSERT INTO federated_objects (uri, kind, user_id, media_id, local_id) VALUES (\(note), 'post', \(new.owner), \(id), \(id))
                    """
                )
            }
            try await HomeFeed.fanOut(id, author: new.owner, followers: followers, remoteFollowers: remoteFollowers, jobs: jobs, in: tx)
            // Said before the commit, so that no feed read after it can leave the post out.
            if followers > HomeFeed.readTimeMergeThreshold { changes.announce(.accountPastMergeThresholdPosted) }
            try await LiveEvents.announce(in: tx, engine: database.engine)
            return id
        }
        jobs.wake()
        live.ring()
        return id
    }

    /// Changes a media's caption (`.some(nil)` removes it) and the alt text of its photos (by position: 0 is the first),
    /// for its owner. Its tags follow the new caption; its version moves, so every cached rendering follows.
    public func edit(_ id: MediaID, by actor: UserID, caption: String??, altTexts: [Int: String?]) async throws {
        try await database.transaction { tx in
            try await MediaStore.authorize(.edit, id, actor: actor, in: tx, lock: .adding, engine: database.engine)
            if let caption {
                guard
                    let row = try await tx.query("SELECT caption_id, tags, user_id FROM media WHERE id = \(id)").decodeFirst({
                        (captionID: try $0.optionalInt(), tags: try $0.string(), owner: try $0.int())
                    })
                else { throw DomainError.notFound(.media) }
                // The caption keeps its comment id when it is reworded; a new one gets a new id, as posting gives it.
                let captionID = caption == nil ? nil : row.captionID ?? environment.ids.next()
                try await tx.execute(
                    "UPDATE media SET caption = \(caption), caption_id = \(captionID), \(MediaVersion.moves) WHERE id = \(id)"
                )
                let ownComments = try await tx.query("SELECT text FROM comments WHERE media_id = \(id) AND user_id = \(row.owner)")
                    .decode { try $0.string() }
                var tags = caption.map(Hashtags.extract) ?? []
                for text in ownComments { tags += Hashtags.extract(text).filter { !tags.contains($0) } }
                try await MediaTags.replace(with: tags, on: id, existing: row.tags, at: id.rawValue, in: tx)
            }
            for (position, altText) in altTexts.sorted(by: { $0.key < $1.key }) {
                if position == 0 {
                    try await tx.execute("UPDATE media SET alt_text = \(altText), \(MediaVersion.moves) WHERE id = \(id)")
                } else {
                    let changed = try await tx.query(
                        "UPDATE media_items SET alt_text = \(altText) WHERE media_id = \(id) AND position = \(Int64(position)) RETURNING position"
                    )
                    guard !changed.isEmpty else { throw DomainError.invalidInput(field: "alt_text", reason: "the post has no photo \(position + 1)") }
                    try await tx.execute("UPDATE media SET \(MediaVersion.moves) WHERE id = \(id)")
                }
            }
            try await jobs.enqueue(FederateJob(.update(media: id.rawValue)), when: FederateJob.whenFollowedRemotely(actor), in: tx)
        }
    }

    /// Takes `user` out of the people tagged in `media`, at their own word; false when they were not tagged. The
    /// media's version moves (its `users_in_photo` changed), and the tag is no longer told.
    public func untag(_ user: UserID, from media: MediaID) async throws -> Bool {
        try await database.transaction { tx in
            let removed = try await tx.query("DELETE FROM media_users_in_photo WHERE media_id = \(media) AND user_id = \(user) RETURNING user_id")
            guard !removed.isEmpty else { return false }
            try await tx.execute(
                "UPDATE media SET users_in_photo_count = users_in_photo_count - \(Int64(removed.count)), \(MediaVersion.moves) WHERE id = \(media)"
            )
            try await tx.execute("DELETE FROM activities WHERE recipient_id = \(user) AND kind = 'tag' AND media_id = \(media)")
            return true
        }
    }

    /// The media an earlier upload with this idempotency key made, if it still exists.
    public func upload(_ idempotencyKey: String, by owner: UserID) async throws -> MediaID? {
        try await Self.upload(idempotencyKey, by: owner, in: database)
    }

    private static func upload(_ key: String, by owner: UserID, in executor: any SQLExecutor) async throws -> MediaID? {
        try await executor.query(
            """
            SELECT k.media_id FROM upload_keys k JOIN media m ON m.id = k.media_id WHERE k.user_id = \(owner) AND k.idempotency_key = \(key)
            """
        ).decodeFirst { try $0.id(MediaID.self) }
    }

    /// Deletes a media and everything hanging from it — likes, comments, tags, people tagged, feed entries — with the
    /// counts that include it, and whatever `alongside` writes (given the owner) in the same transaction. Answers its
    /// files' keys (a carousel has one per photo), for the caller to remove once this has committed; nil when there was
    /// no such media. Its originals are left to the sweep: another post may hold the same file.
    public func delete(
        _ id: MediaID,
        alongside: (@Sendable (UserID, any SQLExecutor) async throws -> Void)? = nil
    ) async throws -> [String]? {
        defer { jobs.wake() }
        return try await database.transaction { tx -> [String]? in
            // Held until the delete commits (PostgreSQL): a like or comment being added waits, then finds no media.
            let lock = MediaStore.RowLock.deleting.clause(database.engine)
            guard
                let row = try await tx.query(
                    """
                    SELECT m.user_id, m.image_key, m.tags, 1 - u.is_private FROM media m JOIN users u ON u.id = m.user_id WHERE m.id =
                        \(id)\(raw: lock)
                    """
                ).decodeFirst({
                    (owner: try $0.id(UserID.self), imageKey: try $0.string(), tags: try $0.string(), isPublic: try $0.int())
                })
            else { return nil }
            let owner = row.owner
            let itemKeys = try await tx.query("SELECT image_key FROM media_items WHERE media_id = \(id)").decode { try $0.string() }
            for tag in row.tags.split(separator: " ") {
                try await tx.execute(
                    """
                    UPDATE tags SET media_count = media_count - 1, public_media_count = public_media_count - \(row.isPublic) WHERE name = \
                    \(String(tag))
                    """
                )
            }
            // Its likes, comments, tags, people tagged, upload key and notifications go with it (foreign keys).
            try await tx.execute("DELETE FROM media WHERE id = \(id)")
            let (followers, remoteFollowers) =
                try await tx.query(
                    """
                    UPDATE users SET media_count = media_count - 1 WHERE id = \(owner) RETURNING followed_by_count, remote_followers
                    """
                ).decodeFirst { (try $0.int(), try $0.int()) } ?? (0, 0)
            try await HomeFeed.withdraw(id, author: owner, followers: followers, jobs: jobs, in: tx)
            if remoteFollowers > 0 { try await jobs.enqueue(FederateJob(.delete(media: id.rawValue, author: owner.rawValue)), in: tx) }
            try await alongside?(owner, tx)
            return [row.imageKey] + itemKeys
        }
    }
}
