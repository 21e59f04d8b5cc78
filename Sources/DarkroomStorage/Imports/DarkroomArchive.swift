import DarkroomCore
import Foundation

/// Reads a Darkroom data download (`DataExportArchive`: `manifest.json`, `profile.json`, `media.json` and the files),
/// to move an account between Darkroom servers: each post with its photos' originals (or, for photos from before
/// originals were kept, their largest square), filters, crops, focal points and descriptions, its caption, date,
/// place, and the owner's own comments; videos with their clip. An archive without a manifest is a version 1 download
/// (the same documents without crops, types or comments).
public enum DarkroomArchive {
    /// The newest version of the format this server reads.
    public static let version = 2

    public static func recognizes(_ zip: ZipParts) -> Bool {
        zip.contains("manifest.json") || (zip.contains("profile.json") && zip.contains("media.json"))
    }

    public static func read(_ zip: ZipParts) throws(ArchiveFault) -> ArchiveContents {
        if zip.contains("manifest.json") {
            let manifest = try object(zip, "manifest.json")
            guard manifest["format"] as? String == "darkroom-account" else {
                throw ArchiveFault("manifest.json does not describe a Darkroom account")
            }
            let version = InstagramArchive.int(manifest["version"]) ?? 0
            guard version >= 1, version <= Int64(Self.version) else {
                throw ArchiveFault("the archive is of version \(version) of Darkroom's format; this server reads up to version \(Self.version)")
            }
        }
        let document: Any
        do {
            document = try JSONSerialization.jsonObject(with: Data(try zip.read("media.json", limit: 512 << 20)))
        } catch let fault as ArchiveFault {
            throw fault
        } catch {
            throw ArchiveFault("media.json is not valid JSON")
        }
        guard let items = document as? [[String: Any]] else { throw ArchiveFault("media.json does not list posts") }
        var contents = ArchiveContents(posts: [], unreadable: [], profile: nil, layout: "a Darkroom data download")
        for (index, item) in items.enumerated() {
            let id = InstagramArchive.int(item["id"]) ?? Int64(index)
            let key = ArchivePost.key(source: "darkroom", takenAt: InstagramArchive.int(item["created_at"]) ?? 0, files: [String(id)])
            guard let post = post(item, key: key) else {
                contents.unreadable.append(
                    (key, InstagramArchive.int(item["created_at"]) ?? 0, "post \(index + 1) of media.json has no date or no file")
                )
                continue
            }
            contents.posts.append(post)
        }
        contents.posts.sort { ($0.takenAt, $0.key) < ($1.takenAt, $1.key) }
        if let profile = try? object(zip, "profile.json") {
            contents.profile = ArchiveProfile(
                fullName: profile["full_name"] as? String,
                bio: profile["bio"] as? String,
                website: profile["website"] as? String,
                picture: profile["profile_picture"] as? String
            )
        }
        return contents
    }

    private static func post(_ item: [String: Any], key: String) -> ArchivePost? {
        let photos = (item["photos"] as? [[String: Any]]) ?? []
        let files = photos.compactMap { photo in
            (photo["original"] as? String) ?? ((photo["files"] as? [String: Any])?["standard"] as? String)
        }
        guard let takenAt = InstagramArchive.int(item["created_at"]), !files.isEmpty, files.count == photos.count else { return nil }
        let location = item["location"] as? [String: Any]
        var post = ArchivePost(
            key: key,
            takenAt: takenAt,
            caption: item["caption"] as? String,
            files: files,
            latitude: InstagramArchive.double(location?["latitude"]),
            longitude: InstagramArchive.double(location?["longitude"])
        )
        post.placeName = location?["name"] as? String
        post.isVideo = item["type"] as? String == "video"
        post.details = photos.map { photo in
            let focal = (photo["focal_point"] as? [Any])?.compactMap(InstagramArchive.double) ?? []
            return ArchivePost.PhotoDetails(
                filter: photo["filter"] as? String ?? "Normal",
                crop: photo["crop"] as? String ?? "square",
                focusX: focal.count == 2 ? focal[0] : 0.5,
                focusY: focal.count == 2 ? focal[1] : 0.5,
                altText: photo["alt_text"] as? String
            )
        }
        post.comments = ((item["own_comments"] as? [[String: Any]]) ?? []).compactMap { comment in
            guard let text = comment["text"] as? String, let at = InstagramArchive.int(comment["created_at"]) else { return nil }
            return ImportedComment(text: text, createdAt: at)
        }
        return post
    }

    private static func object(_ zip: ZipParts, _ path: String) throws(ArchiveFault) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(try zip.read(path, limit: 64 << 20))) as? [String: Any] else {
            throw ArchiveFault("\(path) is not valid JSON")
        }
        return object
    }
}

/// Whichever kind of archive it is.
public enum AnyArchive {
    /// Reads the archive as Instagram's or Darkroom's, on the archive reading threads.
    public static func contents(of zip: ZipParts) async throws -> (ArchiveContents, ArchiveImports.Source) {
        try await ZipParts.pool.runIfActive {
            if InstagramArchive.recognizes(zip) { return (try InstagramArchive.read(zip), .instagram) }
            if DarkroomArchive.recognizes(zip) { return (try DarkroomArchive.read(zip), .darkroom) }
            throw ArchiveFault("this is neither an Instagram download (no content/posts_1.json or posts_1.html) nor a Darkroom one (no media.json)")
        }
    }
}
