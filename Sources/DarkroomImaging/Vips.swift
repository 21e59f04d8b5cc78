import CVips

/// libvips, started once per process. Every call into it goes through this file's types.
package enum Vips {
    private static let started: Bool = darkroom_vips_start() == 0

    package static func start() throws(ImageError) {
        guard started else { throw .unavailable("libvips could not start") }
    }

    /// Runs a libvips call that makes an image, turning its failure into `error`.
    package static func make(
        _ error: ImageError,
        _ call: (UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32
    ) throws(ImageError) -> VImage {
        var out: UnsafeMutablePointer<VipsImage>?
        let status = call(&out)
        guard status == 0, let out else {
            darkroom_vips_unref(out)
            darkroom_vips_error_clear()
            throw error
        }
        return VImage(out)
    }
}

/// An owned libvips image, released when the last reference goes. Used on one thread at a time.
package final class VImage {
    package let pointer: UnsafeMutablePointer<VipsImage>

    package init(_ pointer: UnsafeMutablePointer<VipsImage>) { self.pointer = pointer }
    deinit { darkroom_vips_unref(pointer) }

    package var width: Int { Int(vips_image_get_width(pointer)) }
    package var height: Int { Int(vips_image_get_height(pointer)) }
    package var bands: Int { Int(vips_image_get_bands(pointer)) }

    /// An image over a copy of `values` (row-major, band-interleaved).
    package static func floats(_ values: [Float], width: Int, height: Int, bands: Int) throws(ImageError) -> VImage {
        let pointer = values.withUnsafeBytes { raw in
            vips_image_new_from_memory_copy(raw.baseAddress, raw.count, Int32(width), Int32(height), Int32(bands), VIPS_FORMAT_FLOAT)
        }
        guard let pointer else { throw .unavailable("libvips could not allocate an image") }
        return VImage(pointer)
    }

    package static func bytes(_ values: [UInt8], width: Int, height: Int, bands: Int) throws(ImageError) -> VImage {
        let pointer = values.withUnsafeBytes { raw in
            vips_image_new_from_memory_copy(raw.baseAddress, raw.count, Int32(width), Int32(height), Int32(bands), VIPS_FORMAT_UCHAR)
        }
        guard let pointer else { throw .unavailable("libvips could not allocate an image") }
        return VImage(pointer)
    }

    /// A new 8-bit image of this one's size and bands, its pixels written by `map` from this one's: both in memory,
    /// with no copy on either side (the looks' pass over a 12-megapixel photo's frame copied it three times before).
    package func mappingPixels(
        _ map: (_ source: UnsafePointer<UInt8>, _ target: UnsafeMutablePointer<UInt8>) -> Void
    ) throws(ImageError) -> VImage {
        // A cast to the format the image already has would be one more copy of it.
        let uchar = vips_image_get_format(pointer) == VIPS_FORMAT_UCHAR ? self : try Vips.make(.undecodable) { darkroom_vips_cast_uchar(pointer, $0) }
        guard let source = darkroom_vips_pixels_in_memory(uchar.pointer) else {
            darkroom_vips_error_clear()
            throw .undecodable
        }
        var target: UnsafeMutablePointer<UInt8>?
        guard let made = darkroom_vips_new_pixels(Int32(width), Int32(height), Int32(bands), &target), let target else {
            darkroom_vips_error_clear()
            throw .unavailable("libvips could not allocate an image")
        }
        let image = VImage(made)
        withExtendedLifetime(uchar) { map(source, target) }
        return image
    }

    /// Computes the image into memory once, so several outputs made from it do not each recompute it.
    package func materialized() throws(ImageError) -> VImage {
        guard let copy = vips_image_copy_memory(pointer) else {
            darkroom_vips_error_clear()
            throw .undecodable
        }
        return VImage(copy)
    }

    /// `optimizedTables`: Huffman tables fitted to this image, in a second pass over it; some 5% smaller for about
    /// twice the encoding time.
    package func jpeg(quality: Int, optimizedTables: Bool = true) throws(ImageError) -> [UInt8] {
        try encodedBy { darkroom_vips_jpeg(pointer, Int32(quality), optimizedTables ? 1 : 0, $0, $1) }
    }

    /// Lossy WebP with no metadata chunk at all (`WebPMetadata`).
    package func webp(quality: Int) throws(ImageError) -> [UInt8] {
        WebPMetadata.removing(from: try encodedBy { darkroom_vips_webp(pointer, Int32(quality), $0, $1) })
    }

    /// HEIC (`hevc`) or AVIF: for measuring and for test photos, not for renditions. `keepingProfile`: with the
    /// image's ICC profile, as a phone writes it.
    package func heif(quality: Int, hevc: Bool, effort: Int = 4, keepingProfile: Bool = false) throws(ImageError) -> [UInt8] {
        try encodedBy { darkroom_vips_heif(pointer, Int32(quality), hevc ? 1 : 0, Int32(effort), keepingProfile ? 0 : 1, $0, $1) }
    }

    /// What an encoder call wrote into a buffer libvips allocated.
    package func encodedBy(
        _ save: (UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int>) -> Int32
    ) throws(ImageError) -> [UInt8] {
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard save(&buffer, &length) == 0, let buffer else {
            darkroom_vips_error_clear()
            throw .undecodable
        }
        defer { g_free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }

    /// The pixels as 8-bit values, band-interleaved.
    package func pixels() throws(ImageError) -> [UInt8] {
        let uchar = try Vips.make(.undecodable) { darkroom_vips_cast_uchar(pointer, $0) }
        var length = 0
        guard let memory = vips_image_write_to_memory(uchar.pointer, &length) else {
            darkroom_vips_error_clear()
            throw .undecodable
        }
        defer { g_free(memory) }
        return Array(UnsafeRawBufferPointer(start: memory, count: length))
    }
}
