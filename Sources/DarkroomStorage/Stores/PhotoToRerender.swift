import DarkroomCore

/// One photo to make again: the post's own (`position` 0) or a carousel's later one.
public struct PhotoToRerender: Sendable {
    public var media: MediaID
    public var position: Int
    public var filter: String
    public var crop: Crop
    public var imageKey: String
    public var originalKey: String?
}

extension MediaStore {
    /// Posts after `after` in id order, at most `limit`, with every photo of each. A video's original is not a photo: it
    /// is left out, and the video kept as it is.
    public func photosToRerender(after: Int64, limit: Int) async throws -> [PhotoToRerender] {
        let media = try await database.query(
            """
            SELECT id, 0, filter, crop, focus_x, focus_y, image_key, CASE WHEN type = 'video' THEN NULL ELSE original_key END FROM media
             WHERE id > \(after) ORDER BY id LIMIT \(limit)
            """
        ).decode(Self.photoToRerender)
        guard let last = media.last?.media else { return [] }
        let items = try await database.query(
            """
            SELECT media_id, position, filter, crop, focus_x, focus_y, image_key, original_key FROM media_items
             WHERE media_id > \(after) AND media_id <= \(last) ORDER BY media_id, position
            """
        ).decode(Self.photoToRerender)
        return (media + items).sorted { ($0.media.rawValue, $0.position) < ($1.media.rawValue, $1.position) }
    }

    private static func photoToRerender(_ row: inout Row) throws -> PhotoToRerender {
        PhotoToRerender(
            media: try row.id(),
            position: Int(try row.int()),
            filter: try row.string(),
            crop: Crop(shape: Crop.Shape(rawValue: try row.string()) ?? .square, focusX: try row.double(), focusY: try row.double()),
            imageKey: try row.string(),
            originalKey: try row.optionalString()
        )
    }

    /// Posts in all, for a re-render's progress.
    public func count() async throws -> Int64 {
        try await database.query("SELECT count(*) FROM media").scalarInt() ?? 0
    }
}

extension MediaWriter {
    /// Puts a photo's new renditions in place of `photo`'s, unless they changed meanwhile (a concurrent re-render):
    /// then false, and the caller removes the new files. Its version moves, so cached renderings follow.
    public func replaceRenditions(of photo: PhotoToRerender, with renditions: Renditions, camera: CameraDetails?) async throws -> Bool {
        try await database.transaction { tx in
            let sizes = Renditions.encode(renditions.full)
            let camera = CameraColumn.encode(camera)
            if photo.position == 0 {
                return
                    !(try await tx.query(
                        """
                        UPDATE media SET image_key = \(renditions.key), standard_size = \(renditions.standard), low_size = \(renditions.low),
                               thumbnail_size = \(renditions.thumbnail), full_sizes = \(sizes), camera = \(camera), \(MediaVersion.moves)
                         WHERE id = \(photo.media) AND image_key = \(photo.imageKey) RETURNING id
                        """
                    ).isEmpty)
            }
            let replaced = try await tx.query(
                """
                UPDATE media_items SET image_key = \(renditions.key), full_sizes = \(sizes), camera = \(camera)
                 WHERE media_id = \(photo.media) AND position = \(Int64(photo.position)) AND image_key = \(photo.imageKey) RETURNING position
                """
            )
            guard !replaced.isEmpty else { return false }
            try await tx.execute("UPDATE media SET \(MediaVersion.moves) WHERE id = \(photo.media)")
            return true
        }
    }
}
