import DarkroomCore
import DarkroomStorage
import Foundation

/// Turns domain objects into the plain values the templates read. Nothing here is HTML: text a person wrote is split
/// into runs (plain text, a #tag, an @name) and each run is escaped by the template that links it.
///
/// Mustache looks a key up in the enclosing contexts when a section's item lacks it, so a per-item value that may be
/// absent is always given, as `false` when there is none (`Self.absent`).
struct PageModels {
    let links: Links

    static let absent = false

    static func date(_ seconds: Int64, time: Bool = false) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(date: .long, time: time ? .shortened : .omitted)
    }

    static func count(_ value: Int64, _ one: String, _ many: String) -> String {
        "\(value) \(value == 1 ? one : many)"
    }

    /// Text with its hashtags and mentions as runs the template links: `{text, href}`, `href` false for plain text.
    static func runs(_ text: String) -> [[String: Any]] {
        var runs: [[String: Any]] = []
        var plain = ""
        var index = text.startIndex
        func flush() {
            if !plain.isEmpty { runs.append(["text": plain, "href": false]) }
            plain = ""
        }
        while index < text.endIndex {
            let character = text[index]
            if character == "#" || character == "@" {
                var end = text.index(after: index)
                while end < text.endIndex, text[end].isLetter || text[end].isNumber || text[end] == "_" || (character == "@" && text[end] == ".") {
                    end = text.index(after: end)
                }
                var word = String(text[text.index(after: index)..<end])
                while character == "@", word.hasSuffix(".") {
                    word.removeLast()
                    end = text.index(before: end)
                }
                if !word.isEmpty {
                    flush()
                    let href = character == "#" ? "/explore/tags/\(Parameters.encode(word.lowercased()))/" : "/\(word)/"
                    runs.append(["text": String(character) + word, "href": href])
                    index = end
                    continue
                }
            }
            plain.append(character)
            index = text.index(after: index)
        }
        flush()
        return runs
    }

    func person(_ user: UserSummary) -> [String: Any] {
        ["username": user.username, "fullName": user.fullName, "picture": links.profilePicture(user.profilePicture)]
    }

    /// A photo in full, as the feed and its own page show it, with the forms the viewer may use. Reporting and the
    /// operator's removal are offered on the photo's own page (`comments` given), not in the feed.
    /// - Parameter eager: the card is at the top of its page, so its photo is fetched at once; the others' wait until
    ///   they are near the screen (`loading="lazy"`).
    func card(_ media: Media, viewer: UserID?, isOperator: Bool, comments: [Comment]? = nil, returnTo: String, eager: Bool = true) -> [String: Any] {
        let ownPage = comments != nil
        let code = Shortcode.encode(media.id)
        let mine = viewer == media.owner.id
        let shown = comments ?? media.recentComments
        let place: Any =
            media.location.flatMap { location -> [String: Any]? in
                guard let name = location.name, !name.isEmpty else { return nil }
                return ["name": name, "href": location.id.map { "/explore/locations/\($0)/" } ?? false]
            } ?? Self.absent
        func report(_ target: ReportTarget, _ id: Int64, _ label: String) -> Any {
            ownPage && viewer != nil && !mine ? ReportForms.fields(target, id, label: label, returnTo: returnTo) : Self.absent
        }
        return [
            "id": String(media.id.rawValue), "code": code, "href": "/p/\(code)/",
            "photos": media.renditions.video == nil ? photos(media, eager: eager) : [], "isCarousel": !media.carouselItems.isEmpty,
            "video": media.renditions.video.map { _ in video(media.renditions, alt: media.altText ?? "Video by @\(media.owner.username)") }
                ?? Self.absent,
            "owner": person(media.owner), "date": Self.date(media.createdAt), "filter": media.filter, "place": place,
            "caption": media.caption.map { ["runs": Self.runs($0.text)] as [String: Any] } ?? Self.absent,
            "likes": Self.count(media.likeCount, "like", "likes"), "hasLikes": media.likeCount > 0,
            "moreComments": media.commentCount > Int64(shown.count) ? Self.count(media.commentCount, "comment", "comments") : Self.absent,
            // Back to this card after liking or commenting, not to the top of a long feed.
            "signedIn": viewer != nil, "liked": media.viewerHasLiked == true, "mine": mine, "returnTo": returnTo + "#media-\(media.id.rawValue)",
            "comments": shown.map { comment -> [String: Any] in
                let own = comment.from.id == viewer
                return [
                    "commentID": String(comment.id.rawValue), "username": comment.from.username, "runs": Self.runs(comment.text),
                    "mayDelete": own || mine, "report": own ? Self.absent : report(.comment, comment.id.rawValue, "Report"),
                    "moderate": ownPage && isOperator,
                ]
            },
            "report": report(.media, media.id.rawValue, "Report this photo"),
            "reportOwner": report(.user, media.owner.id.rawValue, "Report @\(media.owner.username)"),
            "moderate": ownPage && isOperator && !mine,
            "camera": ownPage ? media.camera.map(Self.camera) ?? Self.absent : Self.absent,
            "tagged": Self.tagged(media),
        ]
    }

    /// The people tagged in a post's photos, each once, in the order they were tagged.
    private static func tagged(_ media: Media) -> Any {
        var seen = Set<UserID>()
        let people = (media.usersInPhoto + media.carouselItems.flatMap(\.usersInPhoto)).map(\.user).filter { seen.insert($0.id).inserted }
        guard !people.isEmpty else { return absent }
        return ["people": people.enumerated().map { index, person in ["username": person.username, "comma": index < people.count - 1] }]
    }

    /// The sizes a photo takes in the page's one column (40rem at most, less the body's margins on a phone).
    static let columnSizes = "(min-width: 41.5rem) 40rem, calc(100vw - 1.5rem)"

    /// A post's photos as `<picture>`s: one, or a carousel's in order, each with its alt text.
    private func photos(_ media: Media, eager: Bool) -> [[String: Any]] {
        let fallbackAlt = media.caption?.text ?? "Photo by @\(media.owner.username)"
        let count = 1 + media.carouselItems.count
        var photos = [picture(media.renditions, alt: media.altText ?? fallbackAlt, sizes: Self.columnSizes, lazy: !eager)]
        for item in media.carouselItems {
            photos.append(picture(item.renditions, alt: item.altText ?? fallbackAlt, sizes: Self.columnSizes, lazy: true))
        }
        for index in photos.indices {
            photos[index]["anchor"] = "media-\(media.id.rawValue)-\(index + 1)"
            photos[index]["position"] = "\(index + 1) of \(count)"
        }
        return photos
    }

    /// A photo as a `<picture>`: its full-shape sizes in WebP and JPEG with their widths, so the browser fetches what
    /// the screen shows; the v1 squares for a photo that has nothing else. Its width and height are given, so the
    /// page keeps its place before it loads.
    func picture(_ renditions: Renditions, alt: String, sizes: String, lazy: Bool) -> [String: Any] {
        guard let largest = renditions.full.last else {
            let squares = [("thumbnail", renditions.thumbnail), ("low", renditions.low), ("standard", renditions.standard)]
            return [
                "src": links.rendition(renditions, "standard"), "width": renditions.standard, "height": renditions.standard,
                "srcset": squares.map { "\(links.rendition(renditions, $0.0)) \($0.1)w" }.joined(separator: ", "),
                "webp": Self.absent, "sizes": sizes, "alt": alt, "lazy": lazy,
            ]
        }
        func srcset(_ format: String) -> String {
            renditions.full.map { "\(links.file(renditions, Renditions.fileName($0, format: format))) \($0.width)w" }.joined(separator: ", ")
        }
        let fallback = renditions.full.last { $0.longEdge <= 1080 } ?? largest
        return [
            "src": links.file(renditions, Renditions.fileName(fallback, format: "jpeg")), "width": largest.width, "height": largest.height,
            "srcset": srcset("jpeg"), "webp": srcset("webp"), "sizes": sizes, "alt": alt, "lazy": lazy,
        ]
    }

    /// A video as a `<video>`: its full-shape sizes, the smallest first (a phone's column gains nothing from 1080p),
    /// with the cover as its poster, its controls, played inline on a phone and never on its own (so never with sound
    /// unasked). Its width and height are given, so the page keeps its place before it loads.
    func video(_ renditions: Renditions, alt: String) -> [String: Any] {
        guard let video = renditions.video else { return [:] }
        let poster = picture(renditions, alt: alt, sizes: Self.columnSizes, lazy: true)
        let files =
            video.full.isEmpty ? [(VideoRenditions.standardName, video.standard)] : video.full.map { (VideoRenditions.fileName($0), $0.width) }
        let shape = video.full.last ?? PixelSize(width: video.standard, height: video.standard)
        return [
            "poster": poster["src"] ?? "", "width": shape.width, "height": shape.height, "alt": alt,
            "sources": files.map { ["src": links.file(renditions, $0.0)] },
            "download": links.file(renditions, files.last?.0 ?? VideoRenditions.standardName),
        ]
    }

    /// What the camera recorded, as the photo page lists it.
    static func camera(_ details: CameraDetails) -> [String: Any] {
        let settings = [details.focalLength, details.aperture, details.exposureTime, details.iso.map { "ISO " + $0 }].compactMap { $0 }
        return ["camera": details.camera ?? absent, "lens": details.lens ?? absent, "settings": settings.joined(separator: " · ")]
    }

    /// Everything a feed card (`card` without `comments`) is rendered from, as the key of its kept fragment: the media's
    /// version (which moves with its counts, samples and caption), the viewer's part (liked, owner, author of a shown
    /// comment), where its forms return, and the URLs it links (private photos' are signed for an hour).
    func cardKey(_ media: Media, viewer: UserID?, returnTo: String, eager: Bool) -> String {
        let authored = media.recentComments.contains { $0.from.id == viewer } || media.owner.id == viewer
        return [
            "\(media.id.rawValue)", "\(media.version)", "\(media.viewerHasLiked == true)", authored ? "\(viewer?.rawValue ?? 0)" : "-",
            "\(viewer != nil)", returnTo, links.rendition(media.renditions, "standard"), links.profilePicture(media.owner.profilePicture),
            media.owner.username, "\(eager)",
            (media.usersInPhoto + media.carouselItems.flatMap(\.usersInPhoto)).map(\.user.username).joined(separator: ","),
        ].joined(separator: "\u{1}")
    }

    /// A photo's small square, linking to its page (an activity line's).
    func thumbnail(_ tile: MediaTile) -> [String: Any] {
        [
            "href": "/p/\(Shortcode.encode(tile.id))/",
            "picture": picture(squares(tile.renditions), alt: tile.altText ?? tile.caption ?? "Photo", sizes: "3rem", lazy: true),
        ]
    }

    /// A third of the column, less the grid's gaps.
    static let tileSizes = "(min-width: 41.5rem) 13.3rem, calc(33vw - 0.5rem)"

    /// The v1 squares alone: a grid's tiles are squares whatever the photo's shape.
    private func squares(_ renditions: Renditions) -> Renditions {
        var squares = renditions
        squares.full = []
        return squares
    }

    /// Photos as a grid of squares linking to their pages.
    func grid(_ tiles: [MediaTile]) -> [[String: Any]] {
        tiles.map { tile in
            let code = Shortcode.encode(tile.id)
            return [
                "href": "/p/\(code)/",
                "picture": picture(squares(tile.renditions), alt: tile.altText ?? tile.caption ?? "Photo", sizes: Self.tileSizes, lazy: true),
                "likes": tile.likeCount, "commentsText": Self.count(tile.commentCount, "comment", "comments"), "isCarousel": tile.isCarousel,
                "isVideo": tile.renditions.video != nil,
            ]
        }
    }
}
