import CVips
import DarkroomCore
import Synchronization

/// Decodes an uploaded photo and makes its renditions, in this process, with libvips. Synchronous and CPU-bound:
/// callers run it on a thread of their own, never on an event loop.
///
/// The photo is decoded once, straight to the size its largest rendition needs (shrinking on load where the format
/// allows) and only the part its crop keeps; every rendition is made from that one frame in memory. So a 12-megapixel
/// photo never exists decoded at full size unless its largest rendition needs every pixel of it.
public struct ImagePipeline: Sendable {
    public let settings: ImageSettings

    /// How far below an asked size a JPEG's own scaled decode may fall and still be used (`framed`).
    static let shrinkTolerance = 0.97

    public init(settings: ImageSettings = ImageSettings()) throws(ImageError) {
        try Vips.start()
        self.settings = settings
    }

    /// Upright, cropped, filtered: the v1 squares and the full-shape sizes.
    public func ingest(_ photo: [UInt8], filter: Filter, crop: Crop = Crop()) throws(ImageError) -> IngestedPhoto {
        let source = try open(photo)
        let largest = settings.fullSizes.max() ?? settings.standard
        let frame = try framed(photo, source, region: crop.region(width: source.width, height: source.height), longEdge: largest)
        return IngestedPhoto(
            format: source.format,
            squares: try squares(of: frame, crop: crop, filter: filter),
            full: try fullRenditions(of: frame, filter: filter),
            camera: source.camera
        )
    }

    /// The v1 squares alone, centre-cropped (the seed's photos, which have no other sizes).
    public func renditions(of photo: [UInt8], filter: Filter) throws(ImageError) -> RenditionSet {
        let source = try open(photo)
        let crop = Crop(shape: .square)
        let frame = try framed(photo, source, region: crop.region(width: source.width, height: source.height), longEdge: settings.standard)
        return try squares(of: frame, crop: crop, filter: filter)
    }

    /// The photo under each filter, as small square JPEGs (the posting page's previews): decoded and cropped once,
    /// then each filter applied by the same code that makes the renditions, so a preview is what the post will be.
    public func previews(
        of photo: [UInt8],
        filters: [Filter],
        size: Int,
        crop: Crop = Crop(shape: .square)
    ) throws(ImageError)
        -> [(filter: Filter, jpeg: [UInt8])]
    {
        let base = try preview(photo, filter: .normal, size: size, crop: crop)
        var previews: [(filter: Filter, jpeg: [UInt8])] = []
        for filter in filters {
            previews.append((filter, try filtered(base, filter.look).jpeg(quality: settings.jpegQuality)))
        }
        return previews
    }

    /// A square profile picture, unfiltered.
    public func profilePicture(from photo: [UInt8]) throws(ImageError) -> [UInt8] {
        let source = try open(photo)
        let crop = Crop(shape: .square)
        let frame = try framed(photo, source, region: crop.region(width: source.width, height: source.height), longEdge: settings.profilePicture)
        return try scaled(frame, toLongEdge: settings.profilePicture, allowingUpscale: true).jpeg(quality: settings.jpegQuality)
    }

    /// The photo as filtered by `filter`, cropped as `crop` says, at `size` on its long edge: for previews and the
    /// contact sheet.
    package func preview(_ photo: [UInt8], filter: Filter, size: Int, crop: Crop = Crop(shape: .square)) throws(ImageError) -> VImage {
        let source = try open(photo)
        let frame = try framed(photo, source, region: crop.region(width: source.width, height: source.height), longEdge: size)
        return try filtered(scaled(frame, toLongEdge: size), filter.look).materialized()
    }

    /// The photo cut as `crop` says (or `whole`, uncut) and filtered, as a JPEG of `size` on its long edge.
    public func cropPreview(of photo: [UInt8], filter: Filter, crop: Crop, size: Int, whole: Bool) throws(ImageError) -> [UInt8] {
        let source = try open(photo)
        let region =
            whole ? PixelRect(x: 0, y: 0, width: source.width, height: source.height) : crop.region(width: source.width, height: source.height)
        let frame = try framed(photo, source, region: region, longEdge: size)
        return try filtered(frame, filter.look).jpeg(quality: settings.jpegQuality)
    }

    /// Where the photo says it was taken (its EXIF GPS position), from its header; for suggesting places only.
    public func position(of photo: [UInt8]) throws(ImageError) -> GeoPoint? {
        try open(photo, readingPosition: true).position
    }

    /// The photo's size as it stands upright, from its header.
    public func uprightSize(of photo: [UInt8]) throws(ImageError) -> PixelSize {
        let source = try open(photo)
        return PixelSize(width: source.width, height: source.height)
    }

    /// Refuses what is not an accepted format or has too many pixels, from the magic bytes and the header only;
    /// answers the format.
    @discardableResult
    public func check(_ photo: [UInt8]) throws(ImageError) -> ImageFormat {
        try open(photo).format
    }

    /// What the header says: the format, the upright size, and the camera's EXIF details.
    private struct Source {
        var format: ImageFormat
        var width: Int
        var height: Int
        var hasProfile: Bool
        var camera: CameraDetails?
        var position: GeoPoint?
    }

    /// The photo's header, after its format and pixel count passed. No pixel is decoded.
    /// `readingPosition`: the GPS fields too, which only the posting page's place picker asks for (ingest never does).
    private func open(_ photo: [UInt8], readingPosition: Bool = false) throws(ImageError) -> Source {
        let format = try ImageFormat(sniffing: photo)
        let image = try Vips.make(.undecodable) { out in
            photo.withUnsafeBytes { darkroom_vips_open($0.baseAddress, $0.count, 1, out) }
        }
        let pixels = image.width.multipliedReportingOverflow(by: image.height)
        guard !pixels.overflow, pixels.partialValue <= settings.maxPixels else {
            throw .tooManyPixels(width: image.width, height: image.height, limit: settings.maxPixels)
        }
        let swapped = vips_image_get_orientation_swap(image.pointer) != 0
        return Source(
            format: format,
            width: swapped ? image.height : image.width,
            height: swapped ? image.width : image.height,
            hasProfile: darkroom_vips_has_profile(image.pointer) != 0,
            camera: CameraFields.read(image),
            position: readingPosition ? PhotoPosition.read(image) : nil
        )
    }

    /// `region` of the upright photo, scaled down so its long edge is at most `longEdge`, as 8-bit sRGB with three
    /// bands, computed into memory. libvips streams the decode through the shrink, so only the result is ever whole.
    private func framed(_ photo: [UInt8], _ source: Source, region: PixelRect, longEdge: Int) throws(ImageError) -> VImage {
        let regionLongEdge = max(region.width, region.height)
        var scale = min(1, Double(longEdge) / Double(regionLongEdge))
        // A JPEG decodes at 1/2, 1/4 or 1/8 of its size for a fraction of the cost (its DCT scaling), a HEIC's tiles
        // shrink as they decode (`HEIFFrame`): the largest of those that still covers the size asked is decoded, and
        // resized the rest of the way below. One that falls just short — a 12-megapixel photo's half is 2000 or 2016
        // pixels against 2048 — is taken as is: at most 3% smaller, never upscaled, with no resize after.
        let shrinks = [8, 4, 2]
        let nearlyLongEnough = Int((Self.shrinkTolerance * Double(longEdge)).rounded(.up))
        let shrink = shrinks.first { regionLongEdge / $0 >= longEdge } ?? shrinks.first { regionLongEdge / $0 >= nearlyLongEnough } ?? 1
        var image: VImage
        if source.format == .jpeg, scale < 1 {
            if regionLongEdge / shrink < longEdge { scale = 1 / Double(shrink) }
            image = try Vips.make(.undecodable) { out in
                photo.withUnsafeBytes { darkroom_vips_jpeg_frame($0.baseAddress, $0.count, Int32(shrink), source.hasProfile ? 1 : 0, out) }
            }
        } else if source.format == .heic, let heif = try heifFrame(photo, source, shrink: shrink) {
            if regionLongEdge / heif.shrink < longEdge { scale = 1 / Double(heif.shrink) }
            image = heif.frame
        } else {
            let target = max(1, Int((Double(source.width) * scale).rounded()))
            image = try Vips.make(.undecodable) { out in
                photo.withUnsafeBytes { darkroom_vips_thumbnail($0.baseAddress, $0.count, Int32(target), source.hasProfile ? 1 : 0, out) }
            }
        }
        // The decoded size can differ from the asked one by rounding: the region is scaled by what was made.
        let (scaleX, scaleY) = (Double(image.width) / Double(source.width), Double(image.height) / Double(source.height))
        let left = min(image.width - 1, Int((Double(region.x) * scaleX).rounded()))
        let top = min(image.height - 1, Int((Double(region.y) * scaleY).rounded()))
        let width = max(1, min(image.width - left, Int((Double(region.width) * scaleX).rounded())))
        let height = max(1, min(image.height - top, Int((Double(region.height) * scaleY).rounded())))
        if width != image.width || height != image.height {
            let whole = image
            image = try Vips.make(.undecodable) {
                darkroom_vips_extract_area(whole.pointer, $0, Int32(left), Int32(top), Int32(width), Int32(height))
            }
        }
        // What a JPEG's scaled decode left larger than asked is resized the rest of the way.
        if max(width, height) > Int((Double(regionLongEdge) * scale).rounded()) + 1 {
            image = try scaled(image, toLongEdge: Int((Double(regionLongEdge) * scale).rounded()))
        }
        if vips_image_hasalpha(image.pointer) != 0 {
            let flat = image
            image = try Vips.make(.undecodable) { darkroom_vips_flatten_white(flat.pointer, $0) }
        }
        let opaque = image
        let srgb = try Vips.make(.undecodable) { darkroom_vips_colourspace_srgb(opaque.pointer, $0) }
        let colour = srgb.bands > 3 ? try Vips.make(.undecodable) { darkroom_vips_extract_bands(srgb.pointer, $0, 0, 3) } : srgb
        let bytes = try Vips.make(.undecodable) { darkroom_vips_cast_uchar(colour.pointer, $0) }
        let frame = try bytes.materialized()
        // Every rendition is made from this frame: with no metadata here, none can reach a served file.
        darkroom_vips_drop_metadata(frame.pointer)
        return frame
    }

    /// A HEIC decoded tile by tile (`HEIFFrame`), converted from its profile; nil for a layout only libvips reads,
    /// or when the two readings disagree on the upright size.
    private func heifFrame(_ photo: [UInt8], _ source: Source, shrink: Int) throws(ImageError) -> (frame: VImage, shrink: Int)? {
        let decoded: (frame: VImage, shrink: Int)
        do {
            decoded = try HEIFFrame.decode(photo, shrink: shrink, maxPixels: settings.maxPixels)
        } catch {
            if error.refused { throw .undecodable }
            return nil
        }
        let (frame, used) = decoded
        guard frame.width == (source.width + used - 1) / used, frame.height == (source.height + used - 1) / used else { return nil }
        guard source.hasProfile else { return decoded }
        return (try Vips.make(.undecodable) { darkroom_vips_from_embedded_profile(frame.pointer, $0) }, used)
    }

    /// The v1 squares: the largest square of the frame around the focal point, at 612, 306 and 150, each made from
    /// the one before (612 to 150 is more than one step of `Downscale`: see `scaled`).
    private func squares(of frame: VImage, crop: Crop, filter: Filter) throws(ImageError) -> RenditionSet {
        let square = crop.square(width: frame.width, height: frame.height)
        let standard = try filtered(try scaled(frame, region: square, toLongEdge: settings.standard, allowingUpscale: true), filter.look)
            .materialized()
        let low = try scaled(standard, toLongEdge: settings.low).materialized()
        return RenditionSet(
            standard: try standard.jpeg(quality: settings.jpegQuality),
            low: try low.jpeg(quality: settings.jpegQuality),
            thumbnail: try scaled(low, toLongEdge: settings.thumbnail).jpeg(quality: settings.jpegQuality)
        )
    }

    /// The frame filtered once, then each full size made from the next larger one, in JPEG and WebP.
    private func fullRenditions(of frame: VImage, filter: Filter) throws(ImageError) -> [IngestedPhoto.FullRendition] {
        let longEdge = max(frame.width, frame.height)
        var current = try filtered(frame, filter.look).materialized()
        var renditions: [IngestedPhoto.FullRendition] = []
        for size in (settings.fullSizes.filter { $0 < longEdge } + [longEdge]).sorted(by: >) {
            if size < max(current.width, current.height) { current = try scaled(current, toLongEdge: size).materialized() }
            renditions.append(
                IngestedPhoto.FullRendition(
                    size: PixelSize(width: current.width, height: current.height),
                    // The full sizes' JPEGs are what a browser without WebP gets, and federated posts: their
                    // Huffman tables stay the standard ones, which costs them some 5% in size and saves 13–15 ms of a
                    // 12-megapixel photo's ingest (`darkroom bench ingest`). The v1 squares keep fitted tables.
                    jpeg: try current.jpeg(quality: settings.jpegQuality, optimizedTables: false),
                    webp: try current.webp(quality: settings.webpQuality)
                )
            )
        }
        return renditions.reversed()
    }

    /// The image through the look (`LookRenderer`), as a new image in memory.
    private func filtered(_ image: VImage, _ look: Look) throws(ImageError) -> VImage {
        guard !look.isIdentity else { return image }
        let (width, height) = (image.width, image.height)
        return try image.mappingPixels { LookRenderer.apply(look, from: $0, to: $1, width: width, height: height) }
    }

    /// `region` of the image (all of it by default) scaled so its long edge is `longEdge`; never up unless asked (the
    /// v1 squares are always their sizes). A downscale reads the region where it lies, with no copy of it; one larger
    /// than `Downscale` takes goes by halves first, each in C: libvips' resize would begin with its integer shrink,
    /// which divides every sample (some 9 ms of a 612 → 150 square alone, measured with `perf`).
    private func scaled(
        _ image: VImage,
        region: PixelRect? = nil,
        toLongEdge longEdge: Int,
        allowingUpscale: Bool = false
    ) throws(ImageError) -> VImage {
        let area = region ?? PixelRect(x: 0, y: 0, width: image.width, height: image.height)
        let current = max(area.width, area.height)
        let scale = Double(longEdge) / Double(current)
        if scale < 1 {
            let (width, height) = (max(1, Int((Double(area.width) * scale).rounded())), max(1, Int((Double(area.height) * scale).rounded())))
            var (source, part) = (image, area)
            while true {
                if let smaller = try Downscale.scaled(source, region: part, width: width, height: height) { return smaller }
                guard part.width / 2 >= width, part.height / 2 >= height,
                    let half = try Downscale.scaled(source, region: part, width: part.width / 2, height: part.height / 2)
                else { break }
                (source, part) = (half, PixelRect(x: 0, y: 0, width: half.width, height: half.height))
            }
        }
        let cut =
            region == nil
            ? image
            : try Vips.make(.undecodable) {
                darkroom_vips_extract_area(image.pointer, $0, Int32(area.x), Int32(area.y), Int32(area.width), Int32(area.height))
            }
        guard current != longEdge, allowingUpscale || current > longEdge else { return cut }
        return try Vips.make(.undecodable) { darkroom_vips_resize(cut.pointer, $0, scale) }
    }
}
