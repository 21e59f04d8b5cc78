import Crypto
import DarkroomCore
import Foundation

/// A post as an archive describes it, before any file of it is read.
public struct ArchivePost: Sendable, Equatable, Codable {
    /// The archive's own identifier for the post, stable across reads (and across later downloads of the same
    /// account): what makes each post imported once.
    public var key: String
    /// When it was first posted (unix seconds).
    public var takenAt: Int64
    public var caption: String?
    /// Its photos' (or videos') paths in the archive, in order: two or more make a carousel.
    public var files: [String]
    public var latitude: Double?
    public var longitude: Double?
    /// The place's name, when the archive names it (a Darkroom archive).
    public var placeName: String?
    /// Each file's filter, crop and description, in `files`' order, when the archive keeps them (a Darkroom archive);
    /// otherwise each photo is posted unfiltered, in its own shape.
    public var details: [PhotoDetails]?
    /// Comments the owner wrote on the post, with their dates.
    public var comments: [ImportedComment] = []
    /// Whether the post is a video (its one file the clip).
    public var isVideo = false

    public struct PhotoDetails: Sendable, Equatable, Codable {
        public var filter: String
        public var crop: String
        public var focusX: Double
        public var focusY: Double
        public var altText: String?
    }

    public init(key: String, takenAt: Int64, caption: String?, files: [String], latitude: Double? = nil, longitude: Double? = nil) {
        self.key = key
        self.takenAt = takenAt
        self.caption = caption
        self.files = files
        self.latitude = latitude
        self.longitude = longitude
    }

    /// A key from what identifies the post in its archive (Instagram's file names carry its own media ids).
    static func key(source: String, takenAt: Int64, files: [String]) -> String {
        let digest = SHA256.hash(data: Data(([String(takenAt)] + files).joined(separator: "\n").utf8))
        return source + ":" + digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}

/// The profile an archive carries: each field only when the archive has it.
public struct ArchiveProfile: Sendable, Equatable {
    public var fullName: String?
    public var bio: String?
    public var website: String?
    /// The profile picture's path in the archive.
    public var picture: String?
}

/// What an archive holds: its posts, oldest first, the entries that could not be read as posts (with the reason),
/// and the profile.
public struct ArchiveContents: Sendable {
    public var posts: [ArchivePost]
    public var unreadable: [(key: String, takenAt: Int64, reason: String)]
    public var profile: ArchiveProfile?
    /// What kind of archive it was, in words ("an Instagram download (JSON)").
    public var layout: String
}

/// Facebook's and Instagram's JSON downloads write each byte of a UTF-8 character as a character of its own ("Ã©" for
/// "é"). Text whose characters are all bytes that together read as UTF-8 with at least one character of several
/// bytes is read again as UTF-8; anything else (plain ASCII, real Latin-1 text, text already right) is left alone.
enum Mojibake {
    static func repair(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        var sawHighByte = false
        for scalar in text.unicodeScalars {
            guard scalar.value <= 0xFF else { return text }
            sawHighByte = sawHighByte || scalar.value >= 0x80
            bytes.append(UInt8(scalar.value))
        }
        guard sawHighByte, let repaired = String(validating: bytes, as: UTF8.self) else { return text }
        return repaired
    }
}
