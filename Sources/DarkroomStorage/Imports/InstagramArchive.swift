import DarkroomCore
import Foundation

/// Reads Instagram's "Download your information" archive: the JSON layouts (`content/posts_1.json`, and since 2024
/// `your_instagram_activity/content/posts_1.json`) and the HTML one (`…/posts_1.html`), under the archive's root or
/// one folder down (an archive unpacked and zipped again). Posts' photos are under `media/posts/…`, named relative to
/// the root; reels, beside the posts, in `reels.json`. Every post is kept with the reason it cannot be used rather
/// than dropped.
public enum InstagramArchive {
    /// The posts files, their layout and the root their paths are relative to; nil when the archive is not Instagram's.
    static func locate(in paths: [String]) -> (files: [String], root: String, html: Bool)? {
        var found: [(root: String, number: Int, html: Bool, path: String)] = []
        for path in paths {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, parts[parts.count - 2] == "content", let name = parts.last, name.hasPrefix("posts_") else { continue }
            let html = name.hasSuffix(".html")
            guard html || name.hasSuffix(".json"), let number = Int(name.dropFirst(6).dropLast(5)) else { continue }
            var rootParts = parts.dropLast(2)
            if rootParts.last == "your_instagram_activity" { rootParts = rootParts.dropLast() }
            guard rootParts.count <= 1 else { continue }
            found.append((rootParts.map { $0 + "/" }.joined(), number, html, path))
        }
        // JSON when the archive has both: it says more (places, exact times).
        let json = found.filter { !$0.html }
        let chosen = (json.isEmpty ? found : json).sorted { $0.number < $1.number }
        guard let first = chosen.first else { return nil }
        return (chosen.filter { $0.root == first.root }.map(\.path), first.root, first.html)
    }

    /// Whether the archive looks like Instagram's.
    public static func recognizes(_ zip: ZipParts) -> Bool { locate(in: zip.paths) != nil }

    /// `read`, on the archive reading threads.
    public static func contents(of zip: ZipParts) async throws -> ArchiveContents {
        try await ZipParts.pool.runIfActive { try read(zip) }
    }

    public static func read(_ zip: ZipParts) throws(ArchiveFault) -> ArchiveContents {
        guard let located = locate(in: zip.paths) else {
            throw ArchiveFault("this is not an Instagram download: it has no content/posts_1.json or posts_1.html")
        }
        var contents = ArchiveContents(
            posts: [],
            unreadable: [],
            profile: nil,
            layout: located.html ? "an Instagram download (HTML)" : "an Instagram download (JSON)"
        )
        for file in located.files {
            let bytes = try zip.read(file, limit: 512 << 20)
            if located.html {
                InstagramHTML.posts(in: String(decoding: bytes, as: UTF8.self), file: file, root: located.root, into: &contents)
            } else {
                try posts(inJSON: bytes, file: file, root: located.root, into: &contents)
            }
        }
        // Reels (videos, since 2022) are listed apart, beside the posts, as `{"ig_reels_media": [post, …]}`.
        let reels = (located.files[0] as NSString).deletingLastPathComponent + "/reels.json"
        if !located.html, zip.contains(reels) {
            try posts(inJSON: try zip.read(reels, limit: 512 << 20), file: reels, root: located.root, into: &contents)
        }
        contents.profile = try profile(in: zip, root: located.root)
        contents.posts.sort { ($0.takenAt, $0.key) < ($1.takenAt, $1.key) }
        return contents
    }

    private static func posts(inJSON bytes: [UInt8], file: String, root: String, into contents: inout ArchiveContents) throws(ArchiveFault) {
        let document: Any
        do {
            document = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw ArchiveFault("\(file) is not valid JSON")
        }
        // Older downloads wrap the list in an object.
        let list = (document as? [Any]) ?? ((document as? [String: Any])?.values.first { $0 is [Any] } as? [Any])
        guard let list else { throw ArchiveFault("\(file) does not list posts") }
        for (index, element) in list.enumerated() {
            let entry = element as? [String: Any] ?? [:]
            let media = (entry["media"] as? [[String: Any]]) ?? []
            let takenAt = int(entry["creation_timestamp"]) ?? media.lazy.compactMap { int($0["creation_timestamp"]) }.first
            let uris = media.compactMap { $0["uri"] as? String }
            guard let takenAt, !uris.isEmpty, uris.count == media.count else {
                let key = ArchivePost.key(source: "instagram", takenAt: 0, files: [file, String(index)])
                contents.unreadable.append((key, takenAt ?? 0, "post \(index + 1) of \(file) names no photo or no date"))
                continue
            }
            let caption = [(entry["title"] as? String), media.first?["title"] as? String].compactMap { $0 }.first { !$0.isEmpty }
            let point = media.lazy.compactMap(location).first
            let files = uris.map { root + $0 }
            contents.posts.append(
                ArchivePost(
                    key: ArchivePost.key(source: "instagram", takenAt: takenAt, files: uris),
                    takenAt: takenAt,
                    caption: caption.map(Mojibake.repair),
                    files: files,
                    latitude: point?.latitude,
                    longitude: point?.longitude
                )
            )
        }
    }

    /// Coordinates from a photo's or video's EXIF data, when the archive kept them.
    private static func location(of media: [String: Any]) -> GeoPoint? {
        let metadata = media["media_metadata"] as? [String: Any]
        let kinds = ["photo_metadata", "video_metadata"].compactMap { metadata?[$0] as? [String: Any] }
        for fields in kinds.flatMap({ ($0["exif_data"] as? [[String: Any]]) ?? [] }) {
            if let latitude = double(fields["latitude"]), let longitude = double(fields["longitude"]),
                (-90...90).contains(latitude), (-180...180).contains(longitude), latitude != 0 || longitude != 0
            {
                return GeoPoint(latitude: latitude, longitude: longitude)
            }
        }
        return nil
    }

    private static func profile(in zip: ZipParts, root: String) throws(ArchiveFault) -> ArchiveProfile? {
        let pages = ["personal_information/personal_information/personal_information.html", "personal_information/personal_information.html"]
        if let page = pages.map({ root + $0 }).first(where: zip.contains) {
            return InstagramHTML.profile(in: String(decoding: try zip.read(page, limit: 16 << 20), as: UTF8.self), root: root)
        }
        let candidates = [
            "personal_information/personal_information/personal_information.json", "personal_information/personal_information.json",
            "account_information/personal_information.json",
        ].map { root + $0 }
        guard let path = candidates.first(where: zip.contains),
            let document = try? JSONSerialization.jsonObject(with: Data(try zip.read(path, limit: 16 << 20))) as? [String: Any],
            let user = (document["profile_user"] as? [[String: Any]])?.first
        else { return nil }
        let strings = user["string_map_data"] as? [String: Any] ?? [:]
        func value(_ name: String) -> String? {
            ((strings[name] as? [String: Any])?["value"] as? String).map(Mojibake.repair).flatMap { $0.isEmpty ? nil : $0 }
        }
        let photo = (user["media_map_data"] as? [String: Any])?["Profile Photo"] as? [String: Any]
        return ArchiveProfile(
            fullName: value("Name"),
            bio: value("Bio"),
            website: value("Website"),
            picture: (photo?["uri"] as? String).map { root + $0 }
        )
    }

    static func int(_ value: Any?) -> Int64? {
        (value as? NSNumber).map(\.int64Value) ?? (value as? String).flatMap { Int64($0) }
    }

    static func double(_ value: Any?) -> Double? {
        (value as? NSNumber).map(\.doubleValue) ?? (value as? String).flatMap { Double($0) }
    }
}
