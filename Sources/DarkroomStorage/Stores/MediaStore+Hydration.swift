import DarkroomCore

/// Media objects in full, read in a few queries whatever the page size, and the lighter forms grids need.
extension MediaStore {
    /// Full media objects for `ids`, in the same order; ids that do not exist are skipped.
    /// Three queries whatever the page size: media with owners and places, samples of likes and comments,
    /// and (only when some media has them) the users in the photos.
    /// - Parameter hidingBlocked: leave likers and commenters out of the samples who block, or are blocked by, this user.
    public func hydrate(_ ids: [MediaID], viewer: UserID?, hidingBlocked: UserID? = nil) async throws -> [Media] {
        guard !ids.isEmpty else { return [] }
        let like = Self.viewerLike(viewer)
        let rows = try await database.query(
            """
            SELECT m.id, m.type, m.filter, m.caption, m.caption_id, m.location_id, m.latitude, m.longitude, m.created_at,
                   m.image_key, m.standard_size, m.low_size, m.thumbnail_size, m.tags, m.like_count, m.comment_count,
                   m.users_in_photo_count, \(like.liked),
                   l.name, l.latitude, l.longitude, l.street_address,
                   \(raw: Columns.userSummary), m.version, u.is_private, m.full_sizes, m.alt_text, m.original_key IS NOT NULL,
                   CASE WHEN u.shows_camera <> 0 THEN m.camera END, m.video_sizes
              FROM media m JOIN users u ON u.id = m.user_id LEFT JOIN locations l ON l.id = m.location_id \(like.join)
             WHERE m.id IN (\(list: ids))
            """
        )
        var byID: [MediaID: Media] = [:]
        var withPeople: [MediaID] = []
        var carousels: [MediaID] = []
        for (media, peopleCount) in try rows.decode({ try Self.media(&$0, viewerKnown: viewer != nil) }) {
            byID[media.id] = media
            if peopleCount > 0 { withPeople.append(media.id) }
            if media.type == "carousel" { carousels.append(media.id) }
        }
        try await attachSamples(to: &byID, hidingBlocked: hidingBlocked)
        if !carousels.isEmpty { try await attachCarouselItems(carousels, to: &byID) }
        if !withPeople.isEmpty { try await attachUsersInPhoto(withPeople, to: &byID) }
        return ids.compactMap { byID[$0] }
    }

    /// A page of a user's own media as ids and versions, newest first, in one statement (a grid's validity: what a
    /// tile shows moves its media's version); `more` when older ones follow. The caller has already checked the viewer
    /// may see them.
    public func recentVersions(of owner: UserID, page: MediaPageRequest) async throws -> (media: [(id: MediaID, version: Int64)], more: Bool) {
        let rows = try await database.lookup(
            """
            SELECT m.id, m.version FROM media m WHERE m.user_id = \(owner) \(Self.idBounds(page, column: "m.id"))
             ORDER BY m.id DESC LIMIT \(page.count + 1)
            """
        ).decode { (id: try $0.id(MediaID.self), version: try $0.int()) }
        return (Array(rows.prefix(page.count)), rows.count > page.count)
    }

    private static func tile(_ row: inout Row) throws -> MediaTile {
        let id: MediaID = try row.id()
        let renditions = Renditions(
            key: try row.string(),
            standard: Int(try row.int()),
            low: Int(try row.int()),
            thumbnail: Int(try row.int()),
            isPrivate: try row.bool()
        )
        var tile = MediaTile(id: id, renditions: renditions, likeCount: try row.int(), commentCount: try row.int(), caption: try row.optionalString())
        tile.renditions.full = Renditions.decode(try row.string())
        tile.altText = try row.optionalString()
        tile.isCarousel = try row.string() == "carousel"
        tile.renditions.video = VideoRenditions.decode(try row.optionalString())
        return tile
    }

    /// What a grid of photos shows of each — its renditions and counts — in one query, in the order of `ids`. (A page
    /// of 24 tiles would cost `hydrate` its samples of likers and comments, which a grid never shows.)
    public func tiles(_ ids: [MediaID]) async throws -> [MediaTile] {
        guard !ids.isEmpty else { return [] }
        let rows = try await database.query(
            """
            SELECT m.id, m.image_key, m.standard_size, m.low_size, m.thumbnail_size, u.is_private, m.like_count, m.comment_count, m.caption,
                   m.full_sizes, m.alt_text, m.type, m.video_sizes
              FROM media m JOIN users u ON u.id = m.user_id WHERE m.id IN (\(list: ids))
            """
        ).decode(Self.tile)
        let byID = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return ids.compactMap { byID[$0] }
    }

    /// Reads the select list of `hydrate`; answers the media and how many people are tagged in it.
    private static func media(_ row: inout Row, viewerKnown: Bool) throws -> (Media, usersInPhoto: Int64) {
        let id: MediaID = try row.id()
        let type = try row.string()
        let filter = try row.string()
        let captionText = try row.optionalString()
        let captionID = try row.optionalInt()
        let locationID = try row.optionalInt()
        let latitude = try row.optionalDouble()
        let longitude = try row.optionalDouble()
        let createdAt = try row.int()
        var renditions = Renditions(key: try row.string(), standard: Int(try row.int()), low: Int(try row.int()), thumbnail: Int(try row.int()))
        let tags = try row.string().split(separator: " ").map(String.init)
        let likeCount = try row.int()
        let commentCount = try row.int()
        let usersInPhoto = try row.int()
        let liked = try row.bool()
        let place = (
            name: try row.optionalString(), latitude: try row.optionalDouble(), longitude: try row.optionalDouble(),
            streetAddress: try row.optionalString()
        )
        let owner = try Columns.userSummary(&row)
        let version = try row.int()
        renditions.isPrivate = try row.bool()
        renditions.full = Renditions.decode(try row.string())
        let altText = try row.optionalString()
        let hasOriginal = try row.bool()
        let camera = CameraColumn.decode(try row.optionalString())
        renditions.video = VideoRenditions.decode(try row.optionalString())

        let caption = captionText.map { Comment(id: CommentID(captionID ?? id.rawValue), text: $0, createdAt: createdAt, from: owner) }
        var location: Location?
        if let locationID {
            location = Location(
                id: LocationID(locationID),
                name: place.name ?? "",
                latitude: place.latitude ?? 0,
                longitude: place.longitude ?? 0,
                streetAddress: place.streetAddress
            )
        } else if let latitude, let longitude {
            location = Location(id: nil, name: nil, latitude: latitude, longitude: longitude)
        }
        var media = Media(
            id: id,
            owner: owner,
            type: type,
            filter: filter,
            caption: caption,
            location: location,
            createdAt: createdAt,
            renditions: renditions,
            tags: tags,
            likeCount: likeCount,
            commentCount: commentCount,
            viewerHasLiked: viewerKnown ? liked : nil
        )
        media.version = version
        media.altText = altText
        media.hasOriginal = hasOriginal
        media.camera = camera
        return (media, usersInPhoto)
    }

    /// The newest likers and comments of each media, in one query whose text depends only on the page size,
    /// so its prepared statement is reused.
    private func attachSamples(to media: inout [MediaID: Media], hidingBlocked: UserID?) async throws {
        let ids = media.values.filter { $0.likeCount > 0 || $0.commentCount > 0 }.map(\.id).sorted()
        guard !ids.isEmpty else { return }
        let rows = try await database.query(
            """
            SELECT s.kind, s.media_id, s.id, s.created_at, s.text, \(raw: Columns.userSummary) FROM (
                SELECT 0 AS kind, media_id, id, created_at, NULL AS text, user_id,
                       ROW_NUMBER() OVER (PARTITION BY media_id ORDER BY id DESC) AS position
                  FROM likes WHERE media_id IN (\(list: ids))
                UNION ALL
                SELECT 1, media_id, id, created_at, text, user_id,
                       ROW_NUMBER() OVER (PARTITION BY media_id ORDER BY id DESC)
                  FROM comments WHERE media_id IN (\(list: ids))
            ) s JOIN users u ON u.id = s.user_id
             WHERE \(Visibility.notBlocked(user: "u", viewer: hidingBlocked)) AND ((s.kind = 0 AND s.position <= \(Self.likerSampleSize)) OR (s.kind =
                 1 AND s.position <= \(Self.commentSampleSize)))
             ORDER BY s.media_id, s.kind, s.id
            """
        )
        let samples = try rows.decode { row in
            (
                isComment: try row.bool(), media: try row.id(MediaID.self), id: try row.int(), createdAt: try row.int(),
                text: try row.optionalString(),
                user: try Columns.userSummary(&row)
            )
        }
        for sample in samples {
            if sample.isComment {
                media[sample.media]?.recentComments.append(
                    Comment(id: CommentID(sample.id), text: sample.text ?? "", createdAt: sample.createdAt, from: sample.user)
                )
            } else {
                media[sample.media]?.recentLikers.insert(sample.user, at: 0)
            }
        }
    }

    private func attachUsersInPhoto(_ ids: [MediaID], to media: inout [MediaID: Media]) async throws {
        let rows = try await database.query(
            """
            SELECT p.media_id, p.x, p.y, p.item, \(raw: Columns.userSummary)
              FROM media_users_in_photo p JOIN users u ON u.id = p.user_id
             WHERE p.media_id IN (\(list: ids)) ORDER BY p.media_id, u.id
            """
        )
        let people = try rows.decode { row in
            (
                media: try row.id(MediaID.self), x: try row.double(), y: try row.double(), item: Int(try row.int()),
                user: try Columns.userSummary(&row)
            )
        }
        for person in people {
            let tagged = UserInPhoto(user: person.user, x: person.x, y: person.y)
            if person.item == 0 {
                media[person.media]?.usersInPhoto.append(tagged)
            } else if let index = media[person.media]?.carouselItems.firstIndex(where: { $0.position == person.item }) {
                media[person.media]?.carouselItems[index].usersInPhoto.append(tagged)
            }
        }
    }

    /// A carousel's second and later photos, in order (the camera's details only where the owner shows them).
    private func attachCarouselItems(_ ids: [MediaID], to media: inout [MediaID: Media]) async throws {
        let rows = try await database.query(
            """
            SELECT i.media_id, i.position, i.filter, i.image_key, i.full_sizes, i.alt_text, i.original_key IS NOT NULL,
                   CASE WHEN u.shows_camera <> 0 THEN i.camera END
              FROM media_items i JOIN media m ON m.id = i.media_id JOIN users u ON u.id = m.user_id
             WHERE i.media_id IN (\(list: ids)) ORDER BY i.media_id, i.position
            """
        )
        for row in try rows.decode({ row in
            (
                media: try row.id(MediaID.self), position: Int(try row.int()), filter: try row.string(), key: try row.string(),
                full: try row.string(), altText: try row.optionalString(), hasOriginal: try row.bool(), camera: try row.optionalString()
            )
        }) {
            guard let squares = media[row.media]?.renditions else { continue }
            let renditions = Renditions(
                key: row.key,
                standard: squares.standard,
                low: squares.low,
                thumbnail: squares.thumbnail,
                full: Renditions.decode(row.full),
                isPrivate: squares.isPrivate
            )
            media[row.media]?.carouselItems.append(
                CarouselItem(
                    position: row.position,
                    filter: row.filter,
                    renditions: renditions,
                    altText: row.altText,
                    hasOriginal: row.hasOriginal,
                    camera: CameraColumn.decode(row.camera)
                )
            )
        }
    }
}
