import CVips
import DarkroomImaging
import Synchronization

/// Photos as people's devices write them, made with libvips for tests and benchmarks: every accepted format, a Display
/// P3 phone photo, a CMYK print file, a 16-bit PNG, an animated GIF, a camera JPEG with its EXIF.
public enum SamplePhotos {
    /// The synthetic photo (`SyntheticPhoto`) encoded as `format`.
    public static func encoded(width: Int, height: Int, as format: ImageFormat, variant: Int = 0) throws(ImageError) -> [UInt8] {
        let jpeg = try SyntheticPhoto.jpeg(width: width, height: height, quality: 95, variant: variant)
        return try encode(try decoded(jpeg), as: format)
    }

    /// A `width` × `height` photo whose left half is `left` and right half `right` (sRGB), encoded as `format`.
    public static func halves(
        width: Int,
        height: Int,
        left: [UInt8],
        right: [UInt8],
        as format: ImageFormat = .jpeg
    ) throws(ImageError) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let colour = x < width / 2 ? left : right
                for band in 0..<3 { pixels[(y * width + x) * 3 + band] = colour[band] }
            }
        }
        return try encode(try VImage.bytes(pixels, width: width, height: height, bands: 3), as: format)
    }

    /// One colour, given in sRGB, stored in `profile`'s colour space ("p3", "cmyk") with that profile embedded, as a
    /// JPEG: what a phone (Display P3) or a prepress tool (CMYK) writes.
    public static func solid(_ srgb: [UInt8], size: Int = 64, inProfile profile: String) throws(ImageError) -> [UInt8] {
        let image = try VImage.bytes(Array(repeating: srgb, count: size * size).flatMap { $0 }, width: size, height: size, bands: 3)
        let converted = try Vips.make(.undecodable) { darkroom_vips_icc_to(image.pointer, $0, profile) }
        return try converted.encodedKeepingMetadata()
    }

    /// One colour, given in sRGB, in Display P3 with its profile, as an iPhone's HEIC.
    public static func solidP3HEIC(_ srgb: [UInt8], size: Int = 64) throws(ImageError) -> [UInt8] {
        let p3 = try decoded(try solid(srgb, size: size, inProfile: "p3"))
        return try heifSample(p3, as: .heic) { () throws(ImageError) in try p3.heif(quality: 90, hevc: true, keepingProfile: true) }
    }

    /// One colour as a 16-bit PNG.
    public static func sixteenBitPNG(_ srgb: [UInt8], size: Int = 64) throws(ImageError) -> [UInt8] {
        let image = try VImage.bytes(Array(repeating: srgb, count: size * size).flatMap { $0 }, width: size, height: size, bands: 3)
        let deep = try Vips.make(.undecodable) { darkroom_vips_to_rgb16(image.pointer, $0) }
        return try deep.saved(".png")
    }

    /// A GIF of several frames, each one colour: a photo app takes only the first.
    public static func animatedGIF(_ frames: [[UInt8]], size: Int = 32) throws(ImageError) -> [UInt8] {
        let pixels = frames.flatMap { colour in Array(repeating: colour, count: size * size).flatMap { $0 } }
        let strip = try VImage.bytes(pixels, width: size, height: size * frames.count, bands: 3)
        let image = try Vips.make(.undecodable) { darkroom_vips_copy_memory(strip.pointer, $0) }
        darkroom_vips_set_int(image.pointer, "page-height", Int32(size))
        return try image.saved(".gif")
    }

    /// A camera JPEG: the synthetic photo with EXIF naming its camera and exposure (and no location).
    public static func fromCamera(width: Int, height: Int, fields: [String: String]) throws(ImageError) -> [UInt8] {
        let image = try decoded(try SyntheticPhoto.jpeg(width: width, height: height)).materialized()
        for (name, value) in fields { darkroom_vips_set_string(image.pointer, name, value) }
        return try image.encodedKeepingMetadata()
    }

    /// A photo decoded and encoded again as `format` (a phone's HEIC of a camera's JPEG, for benchmarks).
    public static func reencoded(_ photo: [UInt8], as format: ImageFormat) throws(ImageError) -> [UInt8] {
        try encode(try decoded(photo), as: format)
    }

    /// A photo scaled to `longEdge`, decoded into memory.
    package static func frame(_ photo: [UInt8], longEdge: Int) throws(ImageError) -> VImage {
        let image = try decoded(photo)
        let scale = Double(longEdge) / Double(max(image.width, image.height))
        return try Vips.make(.undecodable) { darkroom_vips_resize(image.pointer, $0, scale) }.materialized()
    }

    /// A rectangle of an image, cut out into memory of its own.
    package static func cut(_ image: VImage, x: Int, y: Int, width: Int, height: Int) throws(ImageError) -> VImage {
        try Vips.make(.undecodable) { darkroom_vips_extract_area(image.pointer, $0, Int32(x), Int32(y), Int32(width), Int32(height)) }
            .materialized()
    }

    /// `image` at `longEdge` as AVIF at libheif's default speed: what AVIF renditions would cost.
    package static func avif(_ image: VImage, longEdge: Int) throws(ImageError) -> [UInt8] {
        let scale = Double(longEdge) / Double(max(image.width, image.height))
        let scaled = try Vips.make(.undecodable) { darkroom_vips_resize(image.pointer, $0, scale) }
        return try scaled.heif(quality: 60, hevc: false)
    }

    package static func encode(_ image: VImage, as format: ImageFormat) throws(ImageError) -> [UInt8] {
        switch format {
        case .jpeg: try image.jpeg(quality: 92)
        case .webp: try image.webp(quality: 90)
        case .heic: try heifSample(image, as: format) { () throws(ImageError) in try image.heif(quality: 80, hevc: true) }
        case .avif: try heifSample(image, as: format) { () throws(ImageError) in try image.heif(quality: 70, hevc: false, effort: 2) }
        case .png: try image.saved(".png")
        case .tiff: try image.saved(".tif")
        case .gif: try image.saved(".gif")
        }
    }

    /// Darkroom never encodes HEIF itself, only these samples do. In loaded CI runs of the whole suite libheif 1.15
    /// twice failed a 64×48 sample in-process, HEIC and AVIF alike and three times running, that it makes every other
    /// time and that thousands of concurrent tries on a test machine never failed (one known cause: libheif before 1.17 sets up its
    /// colour conversions on first use without a guard, strukturag/libheif#950). So samples are encoded one at a
    /// time, and one that still fails is made by ImageMagick in a process of its own.
    private static let heifEncoding = Mutex(())

    private static func heifSample(
        _ image: VImage,
        as format: ImageFormat,
        _ encode: () throws(ImageError) -> [UInt8]
    ) throws(ImageError) -> [UInt8] {
        let inProcess: Result<[UInt8], ImageError> = heifEncoding.withLock { _ in Result { () throws(ImageError) in try encode() } }
        if case .success(let made) = inProcess { return made }
        return try ImageMagickSample.encode(try image.saved(".png"), as: format)
    }

    package static func decoded(_ encoded: [UInt8]) throws(ImageError) -> VImage {
        try Vips.start()
        return try Vips.make(.undecodable) { out in encoded.withUnsafeBytes { darkroom_vips_decode($0.baseAddress, $0.count, out) } }
    }
}

extension VImage {
    fileprivate func saved(_ suffix: String) throws(ImageError) -> [UInt8] {
        try encodedBy { darkroom_vips_save(pointer, suffix, $0, $1) }
    }

    fileprivate func encodedKeepingMetadata() throws(ImageError) -> [UInt8] {
        try encodedBy { darkroom_vips_jpeg_with_metadata(pointer, 92, $0, $1) }
    }
}
