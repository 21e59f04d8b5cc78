/// The renditions of a photo, stored under one key: the v1 squares (`standard.jpg`, `low.jpg`, `thumbnail.jpg`) and,
/// for photos posted since originals are kept, the full-shape sizes, each as JPEG and WebP (`640x480.jpg`, …).
public struct Renditions: Sendable, Equatable {
    public var key: String
    public var standard: Int
    public var low: Int
    public var thumbnail: Int
    /// Full-shape sizes, smallest first; empty for photos from before they were made (only their squares exist).
    public var full: [PixelSize]
    /// Whether the files belong to a private account: then they are linked only through signed URLs that expire
    /// (`Links.rendition`, `PrivateFilesMiddleware`).
    public var isPrivate: Bool
    /// A video's files beside its cover's; nil for a photo.
    public var video: VideoRenditions?

    public init(key: String, standard: Int, low: Int, thumbnail: Int, full: [PixelSize] = [], isPrivate: Bool = false) {
        self.isPrivate = isPrivate
        self.key = key
        self.standard = standard
        self.low = low
        self.thumbnail = thumbnail
        self.full = full
    }

    /// Width over height of what the photo shows (1 for a photo with only squares).
    public var aspectRatio: Double {
        guard let largest = full.last, largest.height > 0 else { return 1 }
        return Double(largest.width) / Double(largest.height)
    }

    /// The encodings each full-shape size is stored in, in the order pages offer them.
    public static let fullFormats = ["webp", "jpeg"]

    public static func fileName(_ size: PixelSize, format: String) -> String {
        "\(size.width)x\(size.height)." + (format == "jpeg" ? "jpg" : format)
    }

    /// Full sizes as stored in one column: `640x480 1080x810`.
    public static func encode(_ sizes: [PixelSize]) -> String {
        sizes.map { "\($0.width)x\($0.height)" }.joined(separator: " ")
    }

    public static func decode(_ text: String) -> [PixelSize] {
        text.split(separator: " ").compactMap { part in
            let numbers = part.split(separator: "x")
            guard numbers.count == 2, let width = Int(numbers[0]), let height = Int(numbers[1]) else { return nil }
            return PixelSize(width: width, height: height)
        }
    }
}

/// A video's renditions, under its `Renditions.key` beside its cover: the v1 squares (`low.mp4`, `standard.mp4`, and
/// `low-bandwidth.mp4` at the low size) and the full-shape sizes for the web (`1280x720.mp4`, …).
public struct VideoRenditions: Sendable, Equatable {
    public var low: Int
    public var standard: Int
    /// Smallest first.
    public var full: [PixelSize]

    public init(low: Int, standard: Int, full: [PixelSize]) {
        self.low = low
        self.standard = standard
        self.full = full
    }

    public static let lowName = "low.mp4"
    public static let standardName = "standard.mp4"
    public static let lowBandwidthName = "low-bandwidth.mp4"

    public static func fileName(_ size: PixelSize) -> String { "\(size.width)x\(size.height).mp4" }

    /// As stored in `media.video_sizes`: the two squares, then the full sizes (`480x480 640x640 1280x720 1920x1080`).
    public var encoded: String {
        Renditions.encode([PixelSize(width: low, height: low), PixelSize(width: standard, height: standard)] + full)
    }

    public static func decode(_ text: String?) -> VideoRenditions? {
        guard let text else { return nil }
        let sizes = Renditions.decode(text)
        guard sizes.count >= 2 else { return nil }
        return VideoRenditions(low: sizes[0].width, standard: sizes[1].width, full: Array(sizes.dropFirst(2)))
    }
}
