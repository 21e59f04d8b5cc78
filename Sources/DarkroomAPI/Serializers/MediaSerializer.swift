import DarkroomCore
import NIOCore

/// The media object, as the seed's examples show it.
struct MediaSerializer {
    let links: Links
    let users: UserSerializer
    let comments: CommentSerializer
    let locations = LocationSerializer()

    init(links: Links) {
        self.links = links
        users = UserSerializer(links: links)
        comments = CommentSerializer(users: users)
    }

    func media(_ media: Media, into writer: inout JSONWriter) {
        let rendered = fragment(media)
        writer.fragment(rendered, viewerHasLiked: media.viewerHasLiked)
    }

    /// The object rendered once, without the viewer's `user_has_liked`, which goes between its two halves.
    func fragment(_ media: Media) -> MediaFragment {
        var head = JSONWriter(capacity: 2048)
        head.openObject()
        writeHead(media, into: &head)
        var tail = JSONWriter(capacity: 512)
        tail.continueObject()
        tail.idPair("id", media.id.rawValue)
        tail.key("user")
        users.mini(media.owner, into: &tail)
        tail.closeObject()
        return MediaFragment(
            version: media.version,
            epoch: media.renditions.isPrivate ? links.signing.epoch : 0,
            head: head.buffer,
            tail: tail.buffer
        )
    }

    private func writeHead(_ media: Media, into object: inout JSONWriter) {
        object.key("attribution")
        object.null()
        object.key("tags")
        object.array(media.tags) { $0.string($1) }
        // A carousel says so by its `carousel_media`, not its `type`: 2013 clients take any type but `image` for a video
        // (python-instagram's `get_standard_resolution_url` then fails), and they must keep reading its first photo.
        object.pair("type", media.carouselItems.isEmpty ? media.type : "image")
        object.key("location")
        if let location = media.location { locations.location(location, into: &object) } else { object.null() }
        object.key("comments")
        object.object { block in
            block.pair("count", media.commentCount)
            block.key("data")
            block.array(media.recentComments) { comments.comment($1, into: &$0) }
        }
        object.pair("filter", media.filter)
        object.pair("created_time", String(media.createdAt))
        object.pair("link", links.permalink(media.id))
        object.key("likes")
        object.object { block in
            block.pair("count", media.likeCount)
            block.key("data")
            block.array(media.recentLikers) { users.mini($1, into: &$0) }
        }
        images(media.renditions, into: &object)
        if let video = media.renditions.video { videos(video, media.renditions, into: &object) }
        usersInPhoto(media.usersInPhoto, into: &object)
        // Additions for apps written after 2013; a v1 client reads `images` and ignores these.
        photoDetails(media.renditions, altText: media.altText, camera: media.camera, into: &object)
        if !media.carouselItems.isEmpty {
            object.key("carousel_media")
            object.array([Self.firstItem(media)] + media.carouselItems) { writer, item in
                writer.object { entry in
                    entry.pair("type", "image")
                    images(item.renditions, into: &entry)
                    usersInPhoto(item.usersInPhoto, into: &entry)
                    entry.pair("filter", item.filter)
                    photoDetails(item.renditions, altText: item.altText, camera: item.camera, into: &entry)
                }
            }
        }
        object.key("caption")
        if let caption = media.caption { comments.comment(caption, into: &object) } else { object.null() }
    }

    /// The v1 squares, cut around the photo's focal point whatever its shape.
    private func images(_ renditions: Renditions, into object: inout JSONWriter) {
        object.key("images")
        object.object { images in
            image(&images, "low_resolution", renditions, "low", renditions.low)
            image(&images, "thumbnail", renditions, "thumbnail", renditions.thumbnail)
            image(&images, "standard_resolution", renditions, "standard", renditions.standard)
        }
    }

    /// A video's v1 squares (`images` holds its cover), and its full-shape sizes for apps written since
    /// (`video_renditions`, an addition like `renditions`).
    private func videos(_ video: VideoRenditions, _ renditions: Renditions, into object: inout JSONWriter) {
        object.key("videos")
        object.object { videos in
            func entry(_ name: StaticString, _ file: String, _ edge: Int) {
                videos.key(name)
                videos.object { item in
                    item.pair("url", links.file(renditions, file))
                    item.pair("width", edge)
                    item.pair("height", edge)
                }
            }
            entry("low_resolution", VideoRenditions.lowName, video.low)
            entry("standard_resolution", VideoRenditions.standardName, video.standard)
            entry("low_bandwidth", VideoRenditions.lowBandwidthName, video.low)
        }
        object.key("video_renditions")
        object.array(video.full) { list, size in
            list.object { item in
                item.pair("url", links.file(renditions, VideoRenditions.fileName(size)))
                item.pair("width", size.width)
                item.pair("height", size.height)
                item.pair("format", "mp4")
            }
        }
    }

    private func usersInPhoto(_ people: [UserInPhoto], into object: inout JSONWriter) {
        object.key("users_in_photo")
        object.array(people) { writer, tagged in
            writer.object { entry in
                entry.key("user")
                users.mini(tagged.user, into: &entry)
                entry.key("position")
                entry.object { position in
                    position.pair("x", tagged.x)
                    position.pair("y", tagged.y)
                }
            }
        }
    }

    /// `aspect_ratio` (width over height), `alt_text`, `renditions` (every size the photo is stored in: the full-shape
    /// ones, or the squares of a photo from before them) and, when its photographer shows them, `camera`.
    private func photoDetails(_ renditions: Renditions, altText: String?, camera: CameraDetails?, into object: inout JSONWriter) {
        object.pair("aspect_ratio", (renditions.aspectRatio * 10_000).rounded() / 10_000)
        object.key("alt_text")
        if let altText { object.string(altText) } else { object.null() }
        object.key("renditions")
        object.array { list in
            func rendition(_ url: String, _ width: Int, _ height: Int, _ format: String) {
                list.object { entry in
                    entry.pair("url", url)
                    entry.pair("width", width)
                    entry.pair("height", height)
                    entry.pair("format", format)
                }
            }
            if renditions.full.isEmpty {
                for (kind, size) in [("thumbnail", renditions.thumbnail), ("low", renditions.low), ("standard", renditions.standard)] {
                    rendition(links.rendition(renditions, kind), size, size, "jpeg")
                }
            }
            for size in renditions.full {
                for format in ["jpeg", "webp"] {
                    rendition(links.file(renditions, Renditions.fileName(size, format: format)), size.width, size.height, format)
                }
            }
        }
        if let camera {
            object.key("camera")
            object.object { entry in
                let fields: [(StaticString, String?)] = [
                    ("make", camera.make), ("model", camera.model), ("lens", camera.lens), ("focal_length", camera.focalLength),
                    ("aperture", camera.aperture), ("exposure_time", camera.exposureTime), ("iso", camera.iso),
                ]
                for case (let name, let value?) in fields { entry.pair(name, value) }
            }
        }
    }

    /// A carousel's first photo as an item of `carousel_media`, from the media's own fields.
    private static func firstItem(_ media: Media) -> CarouselItem {
        CarouselItem(
            position: 0,
            filter: media.filter,
            renditions: media.renditions,
            altText: media.altText,
            hasOriginal: media.hasOriginal,
            camera: media.camera,
            usersInPhoto: media.usersInPhoto
        )
    }

    private func image(_ writer: inout JSONWriter, _ name: StaticString, _ renditions: Renditions, _ kind: String, _ size: Int) {
        writer.key(name)
        writer.object { image in
            image.pair("url", links.rendition(renditions, kind))
            image.pair("width", size)
            image.pair("height", size)
        }
    }
}

/// A rendered media object in two halves, valid for one version of the media.
struct MediaFragment: Sendable {
    let version: Int64
    /// For a private account's media, the hour its signed links were made in (they are valid for that hour); 0 else.
    let epoch: Int64
    /// `{` and every field up to the caption.
    let head: ByteBuffer
    /// `,"id":…,"user":{…}}`
    let tail: ByteBuffer
}

extension JSONWriter {
    /// Writes a rendered media object, with `user_has_liked` between its halves when the viewer is known.
    /// `distance` (meters) is added for geo searches.
    mutating func fragment(_ fragment: MediaFragment, viewerHasLiked: Bool?, distance: Double? = nil) {
        raw(fragment.head)
        if let viewerHasLiked { rawStatic(viewerHasLiked ? ",\"user_has_liked\":true" : ",\"user_has_liked\":false") }
        if let distance {
            continueObject()
            pair("distance", (distance * 100).rounded() / 100)
        }
        rawContinuation(fragment.tail)
    }
}
