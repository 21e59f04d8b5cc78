import DarkroomCore

/// Everything ingest makes of one photo: the v1 squares, the full-shape sizes in JPEG and WebP, and what the original
/// says about itself. No rendition carries metadata; the camera details are kept apart, for the photographer to show.
public struct IngestedPhoto: Sendable {
    public struct FullRendition: Sendable {
        public var size: PixelSize
        public var jpeg: [UInt8]
        public var webp: [UInt8]
    }

    public var format: ImageFormat
    public var squares: RenditionSet
    /// Smallest first.
    public var full: [FullRendition]
    public var camera: CameraDetails?

    /// Every file to store under the photo's key, named as `Renditions` links them.
    public var files: [(name: String, bytes: [UInt8])] {
        var files = [("standard.jpg", squares.standard), ("low.jpg", squares.low), ("thumbnail.jpg", squares.thumbnail)]
        for rendition in full {
            files.append((Renditions.fileName(rendition.size, format: "jpeg"), rendition.jpeg))
            files.append((Renditions.fileName(rendition.size, format: "webp"), rendition.webp))
        }
        return files
    }
}
