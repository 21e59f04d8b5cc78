import Foundation
import ZIPFoundation

/// Instagram "Download your information" archives, written for tests and the import benchmark in each layout
/// Instagram has used: JSON under `content/` (until 2024) or `your_instagram_activity/content/` (since), and HTML.
/// Captions are written as Instagram writes them in JSON: each UTF-8 byte as a character of its own.
public enum SampleArchives {
    public enum Layout: String, Sendable, CaseIterable {
        case json, activityJSON, html

        var postsFile: String {
            switch self {
            case .json: "content/posts_1.json"
            case .activityJSON: "your_instagram_activity/content/posts_1.json"
            case .html: "your_instagram_activity/content/posts_1.html"
            }
        }
    }

    public struct Post: Sendable {
        public var takenAt: Int64
        public var caption: String?
        /// Each photo's bytes (or any file's: tests put other things here too), in order.
        public var photos: [[UInt8]]
        public var latitude: Double?
        public var longitude: Double?
        /// Paths to name instead of `media/posts/…` for the photos (a hostile archive's `../../x`).
        public var paths: [String]?

        public init(takenAt: Int64, caption: String? = nil, photos: [[UInt8]], latitude: Double? = nil, longitude: Double? = nil) {
            self.takenAt = takenAt
            self.caption = caption
            self.photos = photos
            self.latitude = latitude
            self.longitude = longitude
        }

        func path(_ index: Int, of post: Int) -> String {
            if let paths, index < paths.count { return paths[index] }
            let month = Date(timeIntervalSince1970: TimeInterval(takenAt)).formatted(.iso8601.year().month().dateSeparator(.omitted))
            let isVideo = index < photos.count && photos[index].count > 12 && photos[index][4..<8].elementsEqual("ftyp".utf8)
            return "media/posts/\(month)/\(17_900_000_000 + post * 100 + index)_\(post)_n." + (isVideo ? "mp4" : "jpg")
        }
    }

    public struct Profile: Sendable {
        public var fullName: String
        public var bio: String
        public var picture: [UInt8]?

        public init(fullName: String, bio: String, picture: [UInt8]?) {
            self.fullName = fullName
            self.bio = bio
            self.picture = picture
        }
    }

    /// Writes the archive; with `parts` over 1, as that many zip files (`path`, `path.2`, …), the posts list in the
    /// first and the photos spread over all. `reels` go in `reels.json` beside the posts (JSON layouts). `extra`
    /// entries are added as they are (`symlink:` before a name makes it a symbolic link to its text). Answers the
    /// files written.
    @discardableResult
    public static func write(
        to path: String,
        layout: Layout,
        posts: [Post],
        profile: Profile? = nil,
        parts: Int = 1,
        reels: [Post] = [],
        extra: [(name: String, bytes: [UInt8])] = []
    ) throws -> [String] {
        let files = (0..<max(1, parts)).map { $0 == 0 ? path : "\(path).\($0 + 1)" }
        var archives: [Archive] = []
        for file in files {
            try? FileManager.default.removeItem(atPath: file)
            archives.append(try Archive(url: URL(fileURLWithPath: file), accessMode: .create))
        }
        let postsDocument = layout == .html ? Array(html(posts).utf8) : try json(posts)
        try add(layout.postsFile, postsDocument, to: archives[0], compressed: true)
        if !reels.isEmpty, layout != .html {
            // Numbered after the posts, so their files' names differ.
            let numbered = reels.enumerated().map { ($0.offset + posts.count, $0.element) }
            let list = try JSONSerialization.jsonObject(with: Data(try json(numbered.map(\.1), numbers: numbered.map(\.0))))
            let data = try JSONSerialization.data(withJSONObject: ["ig_reels_media": list], options: [.sortedKeys])
            try add(layout.postsFile.replacingOccurrences(of: "posts_1.json", with: "reels.json"), Array(data), to: archives[0], compressed: true)
            for (number, reel) in numbered {
                for (index, file) in reel.photos.enumerated() { try add(reel.path(index, of: number), file, to: archives[0], compressed: false) }
            }
        }
        var written = 0
        for (number, post) in posts.enumerated() {
            for (index, photo) in post.photos.enumerated() where post.paths == nil {
                try add(post.path(index, of: number), photo, to: archives[written % archives.count], compressed: false)
                written += 1
            }
        }
        if let profile {
            let picture = "media/profile/202001/profile_picture.jpg"
            if let bytes = profile.picture { try add(picture, bytes, to: archives[0], compressed: false) }
            let document: [String: Any] = [
                "profile_user": [
                    [
                        "media_map_data": profile.picture == nil
                            ? [:] : ["Profile Photo": ["uri": picture, "creation_timestamp": 1_577_836_800, "title": ""]],
                        "string_map_data": [
                            "Name": ["href": "", "value": mangled(profile.fullName), "timestamp": 0],
                            "Bio": ["href": "", "value": mangled(profile.bio), "timestamp": 0],
                        ],
                    ]
                ]
            ]
            if layout == .html {
                let image =
                    profile.picture == nil ? "" : "<div><div><a href=\"\(picture)\"><img src=\"\(picture)\" class=\"_a6_o _3-96\"/></a></div></div>"
                let page = """
                    <html><head><meta charset="utf-8"><title>Personal information</title></head><body><table>
                    <tr><td colspan="2" class="_2pin _a6_q">Profile photo\(image)</td></tr>
                    <tr><td class="_2pin _a6_q">Name<div><div>\(escaped(profile.fullName))</div></div></td></tr>
                    <tr><td class="_2pin _a6_q">Bio<div><div>\(escaped(profile.bio))</div></div></td></tr>
                    </table></body></html>
                    """
                try add("personal_information/personal_information/personal_information.html", Array(page.utf8), to: archives[0], compressed: true)
            } else {
                let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
                try add("personal_information/personal_information/personal_information.json", Array(data), to: archives[0], compressed: true)
            }
        }
        for entry in extra {
            if entry.name.hasPrefix("symlink:") {
                let target = entry.bytes
                try archives[0].addEntry(with: String(entry.name.dropFirst(8)), type: .symlink, uncompressedSize: Int64(target.count)) {
                    position,
                    size in
                    Data(target[Int(position)..<Int(position) + size])
                }
            } else {
                try add(entry.name, entry.bytes, to: archives[0], compressed: true)
            }
        }
        return files
    }

    private static func add(_ name: String, _ bytes: [UInt8], to archive: Archive, compressed: Bool) throws {
        try archive.addEntry(
            with: name,
            type: .file,
            uncompressedSize: Int64(bytes.count),
            compressionMethod: compressed ? .deflate : .none
        ) { position, size in
            Data(bytes[Int(position)..<Int(position) + size])
        }
    }

    /// Text as Instagram's JSON carries it: every byte of its UTF-8 a character.
    public static func mangled(_ text: String) -> String {
        String(String.UnicodeScalarView(text.utf8.map { Unicode.Scalar($0) }))
    }

    private static func json(_ posts: [Post], numbers: [Int]? = nil) throws -> [UInt8] {
        let list: [[String: Any]] = posts.enumerated().map { position, post in
            let number = numbers?[position] ?? position
            let media: [[String: Any]] = post.photos.indices.map { index in
                var item: [String: Any] = ["uri": post.path(index, of: number), "creation_timestamp": post.takenAt, "title": ""]
                if let latitude = post.latitude, let longitude = post.longitude {
                    item["media_metadata"] = ["photo_metadata": ["exif_data": [["latitude": latitude, "longitude": longitude]]]]
                }
                return item
            }
            var entry: [String: Any] = ["media": media]
            // A single photo carries its caption and date itself; a carousel's are the post's.
            if post.photos.count == 1 {
                entry["media"] = [media[0].merging(["title": mangled(post.caption ?? "")]) { $1 }]
            } else {
                entry["title"] = mangled(post.caption ?? "")
                entry["creation_timestamp"] = post.takenAt
            }
            return entry
        }
        return Array(try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys]))
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    private static func html(_ posts: [Post]) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "MMM d, yyyy h:mm a"
        var body = "<html><head><meta charset=\"utf-8\"><title>Posts</title></head><body><div class=\"_a706\" role=\"main\">"
        for (number, post) in posts.enumerated() {
            body += "<div class=\"pam _3-95 _2ph- _a6-g uiBoxWhite noborder\">"
            body += "<h2 class=\"_3-95 _2pim _a6-h _a6-i\">\(escaped(post.caption ?? ""))</h2><div class=\"_3-95 _a6-p\">"
            for index in post.photos.indices {
                let path = post.path(index, of: number)
                body += "<div><div><a target=\"_blank\" href=\"\(path)\"><img src=\"\(path)\" class=\"_a6_o _3-96\" /></a></div><div></div></div>"
            }
            if let latitude = post.latitude, let longitude = post.longitude {
                body += "<table><tr><td class=\"_2pin _a6_q\">Latitude</td><td class=\"_2pin _a6_q\">\(latitude)</td></tr>"
                body += "<tr><td class=\"_2pin _a6_q\">Longitude</td><td class=\"_2pin _a6_q\">\(longitude)</td></tr></table>"
            }
            body += "</div><div class=\"_3-94 _a6-o\">\(formatter.string(from: Date(timeIntervalSince1970: TimeInterval(post.takenAt))))</div></div>"
        }
        return body + "</div></body></html>"
    }
}
