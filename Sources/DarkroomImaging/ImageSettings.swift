/// The sizes and limits of ingest (the `--rendition-sizes`-style settings of `darkroom serve` fill it).
public struct ImageSettings: Sendable {
    /// Square edge lengths of the three v1 renditions.
    public var standard = 612
    public var low = 306
    public var thumbnail = 150
    /// Long edges of the full-shape renditions; a photo smaller than one gets its own size instead (never upscaled).
    public var fullSizes = [640, 1080, 2048]
    /// Square edge of a profile picture.
    public var profilePicture = 150
    /// Width × height above which a photo is refused from its header alone (a decompression bomb guard).
    public var maxPixels = 50_000_000
    public var jpegQuality = 85
    public var webpQuality = 80

    public init() {}
}
