import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import Foundation
import Testing

/// Photos as people's devices make them, through the pipeline: every format in, every shape between 4:5 and 1.91:1,
/// the person's crop, colour management, and bombs in every format refused from their headers.
@Suite(.offCooperativePool) struct PhotoFormatTests {
    static let pipeline = try! ImagePipeline()

    @Test(arguments: ImageFormat.allCases)
    func everyFormatPeopleHaveIsTakenIn(format: ImageFormat) throws {
        let photo = try SamplePhotos.encoded(width: 1200, height: 900, as: format)
        #expect(try ImageFormat(sniffing: photo) == format)
        let ingested = try Self.pipeline.ingest(photo, filter: .normal)
        #expect(ingested.format == format)
        for (bytes, size) in [(ingested.squares.standard, 612), (ingested.squares.low, 306), (ingested.squares.thumbnail, 150)] {
            let decoded = try DecodedPhoto(bytes)
            #expect(decoded.width == size && decoded.height == size)
        }
        #expect(
            ingested.full.map(\.size) == [
                PixelSize(width: 640, height: 480), PixelSize(width: 1080, height: 810), PixelSize(width: 1200, height: 900),
            ]
        )
        // The colours came through the decoder: the photo's left edge is red in every format (GIF's palette included).
        let standard = try DecodedPhoto(ingested.squares.standard)
        let left = standard.mean(x: 0, y: 200, width: 20, height: 200)
        #expect(left[0] - left[2] > 40, "\(format): \(left)")
        for rendition in ingested.full {
            #expect(try ImageFormat(sniffing: rendition.jpeg) == .jpeg)
            #expect(try ImageFormat(sniffing: rendition.webp) == .webp)
            let decoded = try DecodedPhoto(rendition.webp)
            #expect(decoded.width == rendition.size.width && decoded.height == rendition.size.height)
        }
    }

    /// A HEIC as phones write it, a grid of 512-px tiles joined and cropped by the reader, comes in whole: its size,
    /// and each half's colour with no seam of the tiles' grey padding at the edges.
    @Test func aPhoneStyleGridHEICIsTakenInWhole() throws {
        let halves = try SamplePhotos.halves(width: 1200, height: 900, left: [200, 30, 30], right: [30, 30, 200])
        let photo = try HEIFGrid.make(from: halves)
        #expect(try ImageFormat(sniffing: photo) == .heic)
        let ingested = try Self.pipeline.ingest(photo, filter: .normal)
        #expect(ingested.format == .heic)
        #expect(ingested.full.map(\.size).last == PixelSize(width: 1200, height: 900))
        let largest = try DecodedPhoto(try #require(ingested.full.last).jpeg)
        let (left, right) = (largest.mean(x: 0, y: 0, width: 500, height: 900), largest.mean(x: 700, y: 0, width: 500, height: 900))
        #expect(left[0] > 170 && left[2] < 60 && right[2] > 170 && right[0] < 60, "\(left) \(right)")
        // The last column and row end inside a tile's padding: the crop must leave none of it.
        let corner = largest.mean(x: 1180, y: 880, width: 20, height: 20)
        #expect(corner[2] > 170 && corner[0] < 60, "\(corner)")
    }

    /// HEIC and AVIF written by another program (ImageMagick, the samples' fallback encoder) come in upright and whole.
    @Test(arguments: [ImageFormat.heic, .avif])
    func heifFromImageMagickIsTakenIn(format: ImageFormat) throws {
        let png = try SamplePhotos.encoded(width: 640, height: 480, as: .png)
        let photo = try ImageMagickSample.encode(png, as: format)
        #expect(try ImageFormat(sniffing: photo) == format)
        let ingested = try Self.pipeline.ingest(photo, filter: .normal)
        #expect(ingested.format == format && ingested.full.map(\.size) == [PixelSize(width: 640, height: 480)])
        let left = try DecodedPhoto(ingested.squares.standard).mean(x: 0, y: 200, width: 20, height: 200)
        #expect(left[0] - left[2] > 40, "\(format): \(left)")
    }

    /// Shapes between 4:5 and 1.91:1 are kept; taller or wider ones are cut to the nearest end; square is on request.
    @Test(arguments: [
        (1000, 1250, Crop.Shape.original, PixelSize(width: 1000, height: 1250)),
        (1000, 3000, .original, PixelSize(width: 1000, height: 1250)),
        (1910, 1000, .original, PixelSize(width: 1910, height: 1000)),
        (3000, 1000, .original, PixelSize(width: 1910, height: 1000)),
        (3000, 1000, .square, PixelSize(width: 1000, height: 1000)),
        (4500, 3000, .original, PixelSize(width: 2048, height: 1365)),
        // A 12-megapixel JPEG's half-size decode, 3% short of 2048, is its largest size (`ImagePipeline.framed`).
        (4000, 3000, .original, PixelSize(width: 2000, height: 1500)),
        (300, 200, .original, PixelSize(width: 300, height: 200)),
    ])
    func aspectBoundaries(width: Int, height: Int, shape: Crop.Shape, largest: PixelSize) throws {
        let photo = try SyntheticPhoto.jpeg(width: width, height: height)
        let ingested = try Self.pipeline.ingest(photo, filter: .normal, crop: Crop(shape: shape))
        let sizes = ingested.full.map(\.size)
        #expect(sizes.last == largest, "\(width)x\(height) \(shape): \(sizes)")
        #expect(sizes.allSatisfy { $0.longEdge <= 2048 } && sizes == sizes.sorted { $0.longEdge < $1.longEdge })
        #expect(sizes.allSatisfy { $0.longEdge <= max(width, height) }, "never upscaled")
        let ratio = Double(largest.width) / Double(largest.height)
        for size in sizes { #expect(abs(Double(size.width) / Double(size.height) - ratio) < 0.01) }
        #expect(try DecodedPhoto(ingested.squares.standard).width == 612)
    }

    /// The focal point decides what a crop keeps, and where the v1 squares are cut, whatever the shape kept.
    @Test func theFocalPointPlacesTheCrop() throws {
        let photo = try SamplePhotos.halves(width: 1200, height: 600, left: [220, 30, 30], right: [30, 30, 220])
        func mean(_ bytes: [UInt8]) throws -> [Double] {
            let decoded = try DecodedPhoto(bytes)
            return decoded.mean(x: 0, y: 0, width: decoded.width, height: decoded.height)
        }
        let left = try Self.pipeline.ingest(photo, filter: .normal, crop: Crop(shape: .square, focusX: 0, focusY: 0.5))
        let right = try Self.pipeline.ingest(photo, filter: .normal, crop: Crop(shape: .square, focusX: 1, focusY: 0.5))
        #expect(try mean(left.squares.standard)[0] > 200 && mean(right.squares.standard)[2] > 200)
        #expect(try mean(left.full.last!.jpeg)[0] > 200, "a square crop's full sizes are that square")
        // Kept in its 2:1 shape, its full sizes hold both halves, and its v1 square is cut around the focal point.
        let wide = try Self.pipeline.ingest(photo, filter: .normal, crop: Crop(shape: .original, focusX: 1, focusY: 0.5))
        #expect(wide.full.last?.size == PixelSize(width: 1146, height: 600))
        #expect(try mean(wide.squares.standard)[2] > 200)
        #expect(Crop(shape: .original, focusX: 0.5).region(width: 1200, height: 600) == PixelRect(x: 27, y: 0, width: 1146, height: 600))
    }

    /// A phone's Display P3 photo and a CMYK print file land in sRGB with their colour intact (CIE76 ΔE under 3), as
    /// does a 16-bit PNG; only the first frame of an animated GIF is taken.
    @Test func coloursAreManaged() throws {
        let colour: [UInt8] = [200, 100, 50]
        for (name, photo) in [
            ("Display P3", try SamplePhotos.solid(colour, inProfile: "p3")),
            ("Display P3 HEIC", try SamplePhotos.solidP3HEIC(colour)),
            ("CMYK", try SamplePhotos.solid(colour, inProfile: "cmyk")),
            ("16-bit", try SamplePhotos.sixteenBitPNG(colour)),
        ] {
            let decoded = try DecodedPhoto(try Self.pipeline.ingest(photo, filter: .normal).squares.standard)
            let got = decoded.mean(x: 100, y: 100, width: 400, height: 400)
            #expect(Self.deltaE(got, colour.map(Double.init)) < 3, "\(name): \(got)")
        }
        // Without conversion, P3's numbers for this colour are some 13 levels off in red: the test can tell.
        let p3 = try DecodedPhoto(try SamplePhotos.solid(colour, inProfile: "p3"))
        #expect(Self.deltaE(p3.mean(x: 0, y: 0, width: 64, height: 64), colour.map(Double.init)) > 3)

        let gif = try SamplePhotos.animatedGIF([[230, 20, 20], [20, 20, 230]])
        let first = try DecodedPhoto(try Self.pipeline.ingest(gif, filter: .normal).squares.standard)
        let mean = first.mean(x: 0, y: 0, width: 612, height: 612)
        #expect(mean[0] > 180 && mean[2] < 80, "the first frame, red: \(mean)")
    }

    /// The camera's details are read from the original; renditions carry no metadata at all.
    @Test func cameraDetailsComeFromTheOriginalAndRenditionsCarryNone() throws {
        let photo = try SamplePhotos.fromCamera(
            width: 800,
            height: 600,
            fields: ["exif-ifd0-Make": "Fujifilm", "exif-ifd0-Model": "X100V", "exif-ifd2-FNumber": "28/10", "exif-ifd2-ISOSpeedRatings": "400"]
        )
        let ingested = try Self.pipeline.ingest(photo, filter: .normal)
        let camera = try #require(ingested.camera)
        #expect(camera.make == "Fujifilm" && camera.model == "X100V" && camera.camera == "Fujifilm X100V")
        #expect(camera.aperture == "f/2.8" && camera.iso == "400", "\(camera)")
        for (name, bytes) in ingested.files {
            #expect(!ImagingTests.contains(Array("Exif".utf8), in: bytes) && !ImagingTests.contains(Array("X100V".utf8), in: bytes), "\(name)")
        }
        #expect(try Self.pipeline.ingest(try SyntheticPhoto.jpeg(width: 100, height: 100), filter: .normal).camera == nil)
    }

    /// A few hundred bytes claiming far more pixels than the limit, in each format: refused from the header.
    @Test(arguments: ImageFormat.allCases)
    func bombsAreRefusedInEveryFormat(format: ImageFormat) throws {
        let small = try SamplePhotos.encoded(width: 64, height: 48, as: format)
        let bomb = try #require(Self.claimingHugeSize(small, format: format), "\(format): no size field found")
        do {
            _ = try Self.pipeline.ingest(bomb, filter: .normal)
            Issue.record("\(format): a bomb was taken in")
        } catch .tooManyPixels(let width, let height, _) {
            #expect(width * height > 50_000_000)
        } catch {
            // libheif refuses an image whose declared size breaks its own limit before libvips sees it: also safe.
            #expect([.heic, .avif].contains(format) && error == .undecodable, "\(format): \(error)")
        }
    }

    /// `bytes` with its declared size rewritten to 20000 × 20000 (16383 for WebP's 14-bit fields, 65535 for GIF's).
    static func claimingHugeSize(_ bytes: [UInt8], format: ImageFormat) -> [UInt8]? {
        var bytes = bytes
        func find(_ marker: [UInt8], from start: Int = 0) -> Int? {
            (start..<(bytes.count - marker.count)).first { bytes[$0..<($0 + marker.count)].elementsEqual(marker) }
        }
        func bigEndian(_ value: UInt32, at offset: Int) {
            for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(index))) }
        }
        switch format {
        case .jpeg:
            guard let sof = find([0xFF, 0xC0]) ?? find([0xFF, 0xC2]) else { return nil }
            bytes[sof + 5...sof + 8] = [0x4E, 0x20, 0x4E, 0x20]
        case .png:
            bigEndian(20000, at: 16)
            bigEndian(20000, at: 20)
            bigEndian(CRC32.checksum(bytes[12..<29]), at: 29)
        case .heic, .avif:
            guard let ispe = find(Array("ispe".utf8)) else { return nil }
            bigEndian(20000, at: ispe + 8)
            bigEndian(20000, at: ispe + 12)
        case .webp:
            // The canvas (VP8X, 24 bits of size - 1) and the frame (VP8, 14 bits) must agree, or libwebp refuses it outright.
            if let vp8x = find(Array("VP8X".utf8)) { bytes[vp8x + 12...vp8x + 17] = [0xFE, 0x3F, 0x00, 0xFE, 0x3F, 0x00] }
            if let vp8 = find(Array("VP8 ".utf8)) {
                bytes[vp8 + 14...vp8 + 17] = [0xFF, 0x3F, 0xFF, 0x3F]
            } else if let vp8l = find(Array("VP8L".utf8)) {
                // 14 bits each of width-1 and height-1, packed after the signature byte.
                bytes[vp8l + 9...vp8l + 12] = [0xFF, 0xFF, 0xFF, 0x0F]
            } else {
                return nil
            }
        case .tiff:
            let littleEndian = bytes[0] == 0x49
            func read(_ offset: Int, _ size: Int) -> Int {
                (0..<size).reduce(0) { $0 | Int(bytes[offset + (littleEndian ? $1 : size - 1 - $1)]) << (8 * $1) }
            }
            let ifd = read(4, 4)
            for entry in 0..<read(ifd, 2) {
                let at = ifd + 2 + entry * 12
                guard [256, 257].contains(read(at, 2)) else { continue }
                let long: [UInt8] = littleEndian ? [4, 0] : [0, 4]
                let value: [UInt8] = littleEndian ? [0x20, 0x4E, 0, 0] : [0, 0, 0x4E, 0x20]
                bytes[at + 2...at + 3] = long[...]
                bytes[at + 8...at + 11] = value[...]
            }
        case .gif:
            bytes[6...9] = [0xFF, 0xFF, 0xFF, 0xFF]
            guard let descriptor = find([0x2C, 0, 0, 0, 0], from: 13) else { return nil }
            bytes[descriptor + 5...descriptor + 8] = [0xFF, 0xFF, 0xFF, 0xFF]
        }
        return bytes
    }

    /// CIE76 ΔE between two sRGB colours (0–255), through CIE Lab under D65.
    static func deltaE(_ a: [Double], _ b: [Double]) -> Double {
        func lab(_ rgb: [Double]) -> [Double] {
            let linear = rgb.prefix(3).map { value -> Double in
                let c = value / 255
                return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
            }
            let x = (0.4124 * linear[0] + 0.3576 * linear[1] + 0.1805 * linear[2]) / 0.95047
            let y = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
            let z = (0.0193 * linear[0] + 0.1192 * linear[1] + 0.9505 * linear[2]) / 1.08883
            let f = { (t: Double) in t > 0.008856 ? cbrt(t) : 7.787 * t + 16 / 116 }
            return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))]
        }
        let (p, q) = (lab(a), lab(b))
        return ((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2])).squareRoot()
    }
}

/// CRC-32 (IEEE), as PNG chunks carry it.
enum CRC32 {
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
