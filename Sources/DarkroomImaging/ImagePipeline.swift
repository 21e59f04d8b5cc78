import CVips
import Synchronization

/// Decodes an uploaded photo and makes its renditions, in this process, with libvips. Synchronous and CPU-bound:
/// callers run it on a thread of their own, never on an event loop.
public struct ImagePipeline: Sendable {
    public let settings: ImageSettings

    public init(settings: ImageSettings = ImageSettings()) throws(ImageError) {
        try Vips.start()
        self.settings = settings
    }

    /// Upright, centre-cropped to a square, filtered, at the three rendition sizes.
    public func renditions(of photo: [UInt8], filter: Filter) throws(ImageError) -> RenditionSet {
        let standard = try filtered(square(photo, size: settings.standard), filter.look).materialized()
        return RenditionSet(
            standard: try standard.jpeg(quality: settings.jpegQuality),
            low: try resized(standard, to: settings.low).jpeg(quality: settings.jpegQuality),
            thumbnail: try resized(standard, to: settings.thumbnail).jpeg(quality: settings.jpegQuality)
        )
    }

    /// The photo under each filter, as small square JPEGs (the posting page's previews): decoded and cropped once,
    /// then each filter applied by the same code that makes the renditions, so a preview is what the post will be.
    public func previews(of photo: [UInt8], filters: [Filter], size: Int) throws(ImageError) -> [(filter: Filter, jpeg: [UInt8])] {
        let base = try square(photo, size: size).materialized()
        var previews: [(filter: Filter, jpeg: [UInt8])] = []
        for filter in filters {
            previews.append((filter, try filtered(base, filter.look).jpeg(quality: settings.jpegQuality)))
        }
        return previews
    }

    /// A square profile picture, unfiltered.
    public func profilePicture(from photo: [UInt8]) throws(ImageError) -> [UInt8] {
        try square(photo, size: settings.profilePicture).jpeg(quality: settings.jpegQuality)
    }

    /// The photo as a filtered square of `size`, for previews and the contact sheet.
    package func preview(_ photo: [UInt8], filter: Filter, size: Int) throws(ImageError) -> VImage {
        try filtered(square(photo, size: size), filter.look).materialized()
    }

    /// Refuses what is not an accepted format or has too many pixels, from the magic bytes and the header only.
    public func check(_ photo: [UInt8]) throws(ImageError) {
        _ = try open(photo)
    }

    /// The photo opened lazily, after its format and pixel count passed. libvips reads from `photo`'s storage while
    /// the image lives, so callers keep `photo` alive until they are done with what they make from it.
    private func open(_ photo: [UInt8], jpegShrink: Int = 1) throws(ImageError) -> (ImageFormat, VImage) {
        let format = try ImageFormat(sniffing: photo)
        let image = try Vips.make(.undecodable) { out in
            photo.withUnsafeBytes { darkroom_vips_open($0.baseAddress, $0.count, Int32(jpegShrink), out) }
        }
        let pixels = image.width.multipliedReportingOverflow(by: image.height)
        guard !pixels.overflow, pixels.partialValue <= settings.maxPixels else {
            throw .tooManyPixels(width: image.width, height: image.height, limit: settings.maxPixels)
        }
        return (format, image)
    }

    /// Decoded with shrink-on-load, upright, centre-cropped, as 8-bit sRGB with three bands.
    private func square(_ photo: [UInt8], size: Int) throws(ImageError) -> VImage {
        var (format, image) = try open(photo)
        // A JPEG decodes at 1/2, 1/4 or 1/8 scale for a fraction of the cost, as long as it stays at least `size`.
        let shortSide = min(image.width, image.height)
        if format == .jpeg, let shrink = [8, 4, 2].first(where: { shortSide / $0 >= size }) {
            image = try open(photo, jpegShrink: shrink).1
        }
        let loaded = image
        image = try Vips.make(.undecodable) { darkroom_vips_square(loaded.pointer, Int32(size), $0) }
        if vips_image_hasalpha(image.pointer) != 0 {
            let flat = image
            image = try Vips.make(.undecodable) { darkroom_vips_flatten_white(flat.pointer, $0) }
        }
        let opaque = image
        let srgb = try Vips.make(.undecodable) { darkroom_vips_colourspace_srgb(opaque.pointer, $0) }
        let colour = srgb.bands > 3 ? try Vips.make(.undecodable) { darkroom_vips_extract_bands(srgb.pointer, $0, 0, 3) } : srgb
        return try Vips.make(.undecodable) { darkroom_vips_cast_uchar(colour.pointer, $0) }
    }

    private func filtered(_ image: VImage, _ look: Look) throws(ImageError) -> VImage {
        guard !look.isIdentity else { return image }
        let table = try VImage.bytes(look.lookupTable, width: 256, height: 1, bands: 3)
        var result = try Vips.make(.undecodable) { darkroom_vips_maplut(image.pointer, $0, table.pointer) }
        if look.matrix != Look.identity {
            let matrix = look.matrix.withUnsafeBufferPointer { vips_image_new_matrix_from_array(3, 3, $0.baseAddress, 9) }
            guard let matrix else { throw .unavailable("libvips could not allocate a matrix") }
            let recombination = VImage(matrix)
            let input = result
            result = try Vips.make(.undecodable) { darkroom_vips_recomb(input.pointer, $0, recombination.pointer) }
        }
        if let vignette = look.vignette {
            let mask = try VignetteMasks.shared.mask(vignette, size: image.width)
            let input = result
            result = try Vips.make(.undecodable) { darkroom_vips_multiply(input.pointer, mask.pointer, $0) }
        }
        let output = result
        return try Vips.make(.undecodable) { darkroom_vips_cast_uchar(output.pointer, $0) }
    }

    private func resized(_ image: VImage, to size: Int) throws(ImageError) -> VImage {
        try Vips.make(.undecodable) { darkroom_vips_resize(image.pointer, $0, Double(size) / Double(image.width)) }
    }
}

/// Vignette masks are the same for every photo of a size; they are computed once and kept as plain floats.
final class VignetteMasks: Sendable {
    static let shared = VignetteMasks()
    private let masks = Mutex<[Key: [Float]]>([:])

    private struct Key: Hashable {
        var vignette: Vignette
        var size: Int
    }

    func mask(_ vignette: Vignette, size: Int) throws(ImageError) -> VImage {
        let key = Key(vignette: vignette, size: size)
        let values = masks.withLock { cached in
            if let mask = cached[key] { return mask }
            let mask = vignette.mask(size: size)
            if cached.count > 64 { cached.removeAll() }
            cached[key] = mask
            return mask
        }
        return try VImage.floats(values, width: size, height: size, bands: 1)
    }
}
