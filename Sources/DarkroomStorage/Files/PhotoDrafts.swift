import DarkroomCore
import Foundation

/// Photos picked on the posting page but not yet posted: the uploaded files (`photo-0`, `photo-1`, … for a carousel;
/// `video` and its first frame as `photo-0` for a video),
/// the caption typed with them and their filter previews, in
/// `DATA/drafts/{user}-{token}/`. A person has one draft at a time (a new one replaces it); a draft is removed when
/// posted, and any older than an hour when the next is made.
public struct PhotoDrafts: Sendable {
    let folder: String
    let environment: SystemEnvironment

    public static let lifetime: Int64 = 3600

    public init(dataDirectory: String, environment: SystemEnvironment) {
        folder = dataDirectory + "/drafts"
        self.environment = environment
    }

    /// Stores a draft for `owner`; answers its token.
    /// A video's draft keeps the video as `video` and its first frame as its one photo, for the filters and crops.
    public func create(
        for owner: UserID,
        photos: [[UInt8]],
        video: [UInt8]? = nil,
        caption: String,
        previews: [(name: String, bytes: [UInt8])]
    ) throws -> String {
        try FileSystem.makeDirectory(folder)
        let now = environment.nowSeconds
        for name in FileSystem.list(folder) {
            let path = folder + "/" + name
            if name.hasPrefix("\(owner)-") || (FileSystem.modifiedSeconds(path) ?? now) < now - Self.lifetime { FileSystem.removeTree(path) }
        }
        let token = environment.randomHex(bytes: 16)
        let draft = folder + "/\(owner)-\(token)"
        try FileSystem.makeDirectory(draft)
        for (index, photo) in photos.enumerated() { try FileSystem.writeDurably(photo, to: draft + "/photo-\(index)") }
        if let video { try FileSystem.writeDurably(video, to: draft + "/video") }
        try FileSystem.writeDurably(Array(caption.utf8), to: draft + "/caption")
        for preview in previews { try FileSystem.writeDurably(preview.bytes, to: draft + "/" + preview.name) }
        return token
    }

    /// The photos of the owner's draft, in order; nil when there is no such draft.
    public func photos(token: String, owner: UserID) -> [[UInt8]]? {
        var photos: [[UInt8]] = []
        while let photo = file("photo-\(photos.count)", token: token, owner: owner) { photos.append(photo) }
        return photos.isEmpty ? nil : photos
    }

    /// A file of the owner's draft (a photo, or a preview's name); nil when there is no such draft or file.
    public func file(_ name: String, token: String, owner: UserID) -> [UInt8]? {
        guard Self.isToken(token), !name.contains("/"), !name.hasPrefix(".") else { return nil }
        return FileManager.default.contents(atPath: folder + "/\(owner)-\(token)/" + name).map(Array.init)
    }

    /// Whether the owner's draft is a video's.
    public func hasVideo(token: String, owner: UserID?) -> Bool {
        guard let owner, Self.isToken(token) else { return false }
        return FileSystem.modifiedSeconds(folder + "/\(owner)-\(token)/video") != nil
    }

    public func remove(token: String, owner: UserID) {
        guard Self.isToken(token) else { return }
        FileSystem.removeTree(folder + "/\(owner)-\(token)")
    }

    public static func isToken(_ token: String) -> Bool {
        token.utf8.count == 32 && token.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
