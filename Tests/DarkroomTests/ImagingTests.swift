import DarkroomImaging
import DarkroomPhotoKit
import Foundation
import Testing

@testable import DarkroomSeed
@testable import DarkroomStorage

/// The libvips pipeline on real encoded images: renditions, orientation, metadata, the filters' looks, bad input.
@Suite(.offCooperativePool) struct ImagingTests {
    static let photo = try! SyntheticPhoto.jpeg(width: 800, height: 600)
    static let pipeline = try! ImagePipeline()
    static let normal = try! PhotoStatistics(of: pipeline.renditions(of: photo, filter: .normal).standard)

    @Test func rendersThreeSquareJPEGRenditions() throws {
        let set = try Self.pipeline.renditions(of: Self.photo, filter: .normal)
        for (bytes, size) in [(set.standard, 612), (set.low, 306), (set.thumbnail, 150)] {
            #expect(try ImageFormat(sniffing: bytes) == .jpeg)
            let decoded = try DecodedPhoto(bytes)
            #expect(decoded.width == size && decoded.height == size && decoded.bands == 3)
        }
    }

    @Test func turnsUprightByOrientationAndStripsEveryTag() throws {
        // Orientation 6: the stored pixels are displayed turned 90° clockwise, so the photo's red left edge shows on top.
        let tagged = Self.withExif(orientation: 6, into: Self.photo)
        #expect(tagged.count > Self.photo.count)
        let set = try Self.pipeline.renditions(of: tagged, filter: .normal)
        let upright = try DecodedPhoto(set.standard)
        let top = upright.mean(x: 250, y: 0, width: 100, height: 20)
        let left = upright.mean(x: 0, y: 250, width: 20, height: 100)
        #expect(top[0] - top[2] > 40, "top strip should be the red edge: \(top)")
        #expect(abs(left[0] - left[2]) < abs(top[0] - top[2]), "left strip: \(left)")
        for rendition in [set.standard, set.low, set.thumbnail] {
            #expect(!Self.contains(Array("Exif".utf8), in: rendition))
            #expect(!Self.contains([0xFF, 0xE1], in: Array(rendition.prefix(64))), "an APP1 (EXIF/XMP) segment survived")
        }
    }

    /// Each filter's measurable signature against the unfiltered photo.
    @Test(arguments: Filter.all)
    func filterHasItsSignature(_ filter: Filter) throws {
        let looks = try PhotoStatistics(of: Self.pipeline.renditions(of: Self.photo, filter: filter).standard)
        let base = Self.normal
        let warmer = looks.warmth - base.warmth
        let pinker = looks.pinkness - base.pinkness
        let contrast = looks.contrast / base.contrast
        let saturation = looks.saturation / base.saturation
        let brighter = looks.luma - base.luma
        let vignette = looks.cornerToCentre / base.cornerToCentre
        let summary = "\(filter.name): \(looks)"
        switch filter.name {
        case "Normal": #expect(abs(brighter) < 0.01 && abs(warmer) < 0.01, "\(summary)")
        case "Amaro": #expect(brighter > 10 && saturation > 1.15, "\(summary)")
        case "Mayfair": #expect(vignette < 0.8 && pinker > 5 && brighter > 5, "\(summary)")
        case "Rise": #expect(warmer > 20 && brighter > 20 && contrast < 0.8, "\(summary)")
        case "Hudson": #expect(warmer < -30 && vignette < 0.8, "\(summary)")
        case "Valencia": #expect(warmer > 12 && brighter > 15 && contrast < 0.85, "\(summary)")
        case "X-Pro II": #expect(contrast > 1.1 && vignette < 0.5 && saturation > 1.1, "\(summary)")
        case "Sierra": #expect(contrast < 0.7 && saturation < 0.6 && vignette < 0.85, "\(summary)")
        case "Willow": #expect(looks.saturation < 10 && looks.saturation > 2 && contrast < 0.85, "\(summary)")
        case "Lo-fi": #expect(contrast > 1.3 && saturation > 1.6 && vignette < 0.7, "\(summary)")
        case "Earlybird": #expect(warmer > 25 && saturation < 0.5 && vignette < 0.7, "\(summary)")
        case "Sutro": #expect(brighter < -40 && saturation < 0.5 && vignette < 0.4, "\(summary)")
        case "Toaster": #expect(warmer > 30 && vignette < 0.5, "\(summary)")
        case "Brannan": #expect(contrast > 1.15 && saturation < 0.9 && pinker < -4, "\(summary)")
        case "Inkwell": #expect(looks.saturation < 1 && contrast > 1.05, "\(summary)")
        case "Walden": #expect(brighter > 25 && contrast < 0.9, "\(summary)")
        case "Hefe": #expect(warmer > 20 && saturation > 1.1 && vignette < 0.7, "\(summary)")
        case "Nashville": #expect(pinker > 12 && brighter > 15 && contrast < 0.85, "\(summary)")
        case "1977": #expect(pinker > 12 && brighter > 20, "\(summary)")
        case "Kelvin": #expect(warmer > 100 && saturation > 1.4, "\(summary)")
        default: Issue.record("no signature pinned for \(filter.name)")
        }
    }

    @Test func filtersAreDistinctFromEachOther() throws {
        let looks = try Filter.all.map { filter in
            (filter.name, try PhotoStatistics(of: Self.pipeline.renditions(of: Self.photo, filter: filter).standard))
        }
        for (index, (name, a)) in looks.enumerated() {
            for (otherName, b) in looks[(index + 1)...] {
                let distance = [
                    a.red - b.red, a.green - b.green, a.blue - b.blue, a.contrast - b.contrast, a.saturation - b.saturation,
                    (a.cornerToCentre - b.cornerToCentre) * 100,
                ].map { $0 * $0 }.reduce(0, +).squareRoot()
                #expect(distance > 15, "\(name) and \(otherName) look alike (\(distance))")
            }
        }
        #expect(Filter.named("x-pro ii")?.name == "X-Pro II" && Filter.named("Lord Kelvin")?.name == "Kelvin" && Filter.named("Gotham") == nil)
    }

    @Test func acceptsPNGWithAlphaAndWebPByContentNotName() throws {
        let png = try #require(Self.pngWithAlpha())
        let set = try Self.pipeline.renditions(of: png, filter: .normal)
        #expect(try DecodedPhoto(set.thumbnail).width == 150)
    }

    @Test func refusesWhatIsNotAnAcceptedImage() throws {
        let notImages: [[UInt8]] = [
            Array("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8), Array("BM\0\0\0\0".utf8), [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0],
            Array("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".utf8), Array("%PDF-1.4\n".utf8),
            Array("<html><body>hi</body></html>".utf8), [], [0xFF, 0xD8],
        ]
        for bytes in notImages {
            #expect(throws: ImageError.self) { try Self.pipeline.renditions(of: bytes, filter: .normal) }
        }
        #expect(throws: ImageError.unsupportedType) { try Self.pipeline.check(Array("BM\0\0\0\0....".utf8)) }
        #expect(throws: ImageError.undecodable) { try Self.pipeline.check(Array("GIF89a....".utf8)) }
    }

    @Test func refusesTruncatedAndCorruptPhotos() throws {
        let truncated = Array(Self.photo.prefix(Self.photo.count / 2))
        #expect(throws: ImageError.undecodable) { try Self.pipeline.renditions(of: truncated, filter: .normal) }
        // A Huffman table whose counts overflow: libjpeg's "bogus Huffman table" error, not a warning.
        var corrupt = Self.photo
        let table = try #require(corrupt.indices.first { corrupt[$0] == 0xFF && corrupt[$0 + 1] == 0xC4 })
        for index in (table + 5)..<(table + 21) { corrupt[index] = 0xFF }
        #expect(throws: ImageError.self) { try Self.pipeline.renditions(of: corrupt, filter: .normal) }
    }

    /// A few hundred bytes claiming 30000×30000: refused from the header, before any pixel is decoded.
    @Test func refusesADecompressionBombFromItsHeader() throws {
        let small = try SyntheticPhoto.jpeg(width: 64, height: 64)
        var bomb = small
        let sof = try #require(bomb.indices.first { bomb[$0] == 0xFF && bomb[$0 + 1] == 0xC0 })
        bomb[sof + 5] = 0x75
        bomb[sof + 6] = 0x30  // height 30000
        bomb[sof + 7] = 0x75
        bomb[sof + 8] = 0x30  // width 30000
        #expect(throws: ImageError.tooManyPixels(width: 30000, height: 30000, limit: 50_000_000)) {
            try Self.pipeline.renditions(of: bomb, filter: .normal)
        }
    }

    /// Mutated JPEGs through the decoder path: each one either makes good renditions or is refused; none crashes.
    @Test func survivesMutatedJPEGs() throws {
        let seedPhoto = try SyntheticPhoto.jpeg(width: 160, height: 120)
        var random = SeedRandom(seed: 0x5EED)
        var accepted = 0
        var refused = 0
        for round in 0..<300 {
            var bytes = seedPhoto
            switch round % 4 {
            case 0:
                for _ in 0..<(1 + Int(random.next() % 8)) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            case 1: bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
            case 2:
                let at = Int(random.next() % UInt64(bytes.count))
                bytes.insert(contentsOf: (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: at)
            default:
                let at = 2 + Int(random.next() % UInt64(min(600, bytes.count - 2)))
                bytes[at] = 0xFF
                bytes[min(at + 1, bytes.count - 1)] = UInt8(truncatingIfNeeded: random.next())
            }
            let filter = Filter.all[round % Filter.all.count]
            switch Result(catching: { () throws(ImageError) in try Self.pipeline.renditions(of: bytes, filter: filter) }) {
            case .success(let set):
                #expect(try DecodedPhoto(set.thumbnail).width == 150)
                accepted += 1
            case .failure(.unavailable(let reason)):
                Issue.record("libvips failed: \(reason)")
            case .failure:
                refused += 1
            }
        }
        #expect(accepted + refused == 300 && refused > 0)
    }

    @Test func contactSheetShowsEveryFilter() throws {
        let sheet = try ContactSheet.render(Self.photo, pipeline: Self.pipeline, tile: 120, across: 5)
        let decoded = try DecodedPhoto(sheet)
        #expect(decoded.width > 5 * 120 && decoded.height > 4 * 120)
    }

    // MARK: - Building inputs

    /// A JPEG with an EXIF segment holding an orientation and a GPS latitude reference.
    static func withExif(orientation: UInt8, into jpeg: [UInt8]) -> [UInt8] {
        var tiff: [UInt8] = Array("MM".utf8) + [0x00, 0x2A, 0, 0, 0, 8]
        tiff += [0, 2]  // IFD0: two entries
        tiff += [0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0]  // Orientation, SHORT
        tiff += [0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]  // GPS IFD at offset 38, LONG
        tiff += [0, 0, 0, 0]  // no next IFD
        tiff += [0, 1]  // GPS IFD: one entry
        tiff += [0x00, 0x01, 0, 2, 0, 0, 0, 2] + Array("N".utf8) + [0, 0, 0]  // GPSLatitudeRef "N"
        tiff += [0, 0, 0, 0]
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg.dropFirst(2)
    }

    static func contains(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// An RGBA PNG written by libvips' own saver is not at hand; this one is built by the book (stored zlib blocks).
    static func pngWithAlpha(width: Int = 40, height: Int = 30) -> [UInt8]? {
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width { raw += [UInt8(x * 6), UInt8(y * 8), 128, x < width / 2 ? 255 : 0] }
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        while offset < raw.count {
            let block = Array(raw[offset..<min(raw.count, offset + 65535)])
            offset += block.count
            zlib.append(offset >= raw.count ? 1 : 0)
            zlib += [UInt8(block.count & 0xFF), UInt8(block.count >> 8), UInt8(~block.count & 0xFF), UInt8((~block.count >> 8) & 0xFF)]
            zlib += block
        }
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in raw {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        zlib += bigEndian((b << 16) | a)
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
        }
        let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 6, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
