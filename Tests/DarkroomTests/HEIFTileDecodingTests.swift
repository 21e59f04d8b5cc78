import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import Testing

@testable import DarkroomSeed

/// A HEIC decoded tile by tile (`HEIFFrame`) is the picture libheif decodes whole: the same colours in the same
/// places, turned and mirrored as the file says, at each shrink; and a file that lies about its tiles is refused or
/// handed to libvips, never decoded as it claims.
@Suite(.offCooperativePool) struct HEIFTileDecodingTests {
    static let pipeline = try! ImagePipeline()
    static let photo = try! SyntheticPhoto.jpeg(width: 1100, height: 700)

    @Test(arguments: ["grid", "single"], [1, 2, 4])
    func tilesDecodeAsLibheifDecodesTheWhole(layout: String, shrink: Int) throws {
        let heic = layout == "grid" ? try HEIFGrid.make(from: Self.photo, tile: 256) : try SamplePhotos.reencoded(Self.photo, as: .heic)
        let (frame, used) = try HEIFFrame.decode(heic, shrink: shrink, maxPixels: 50_000_000)
        #expect(used == shrink)
        #expect(frame.width == (1100 + shrink - 1) / shrink && frame.height == (700 + shrink - 1) / shrink)
        try Self.expectSamePicture(frame, shrink: shrink, as: DecodedPhoto(heic))
    }

    /// Rotation and mirroring (`irot`, `imir`) apply in the file's order, as libheif applies them.
    @Test(arguments: [
        [HEIFGrid.rotation(quarterTurns: 1)],
        [HEIFGrid.rotation(quarterTurns: 2)],
        [HEIFGrid.rotation(quarterTurns: 3)],
        [HEIFGrid.mirror(leftRight: true)],
        [HEIFGrid.mirror(leftRight: false)],
        [HEIFGrid.rotation(quarterTurns: 1), HEIFGrid.mirror(leftRight: true)],
    ])
    func turnsAndMirrorsAsLibheif(shown: [[UInt8]]) throws {
        let heic = try HEIFGrid.make(from: Self.photo, tile: 256, shown: shown)
        let (frame, _) = try HEIFFrame.decode(heic, shrink: 2, maxPixels: 50_000_000)
        let whole = try DecodedPhoto(heic)
        #expect(frame.width == whole.width / 2 && frame.height == whole.height / 2)
        try Self.expectSamePicture(frame, shrink: 2, as: whole)
        // Through the pipeline, upright as libvips reports it: the renditions are its width, and portrait when it is
        // (then cut to 4:5).
        let largest = try #require(try Self.pipeline.ingest(heic, filter: .normal).full.last?.size)
        #expect(largest.width == whole.width && (largest.height > largest.width) == (whole.height > whole.width))
    }

    /// A grid whose tiles claim a quarter of their coded size is a decompression bomb's shape: refused before its
    /// parameter sets reach the decoder, and refused by the pipeline too (not handed on to libvips).
    @Test func aTileLargerThanItClaimsIsRefused() throws {
        let heic = try HEIFGrid.make(from: try SyntheticPhoto.jpeg(width: 512, height: 512), tile: 512, claimedTile: 128)
        #expect {
            try HEIFFrame.decode(heic, shrink: 1, maxPixels: 50_000_000)
        } throws: { ($0 as? HEIFLayoutError)?.refused == true }
        #expect(throws: ImageError.self) { try Self.pipeline.ingest(heic, filter: .normal) }
    }

    /// What this reader does not take (AVIF, an alpha plane) goes to libvips whole; mangled files are refused with
    /// the pipeline's own errors and never crash it (a fixed set of byte flips and cuts, seeded).
    @Test func otherLayoutsGoToLibvipsAndMangledFilesAreRefused() throws {
        let avif = try SamplePhotos.encoded(width: 320, height: 240, as: .avif)
        #expect(throws: HEIFLayoutError.self) { try HEIFFrame.decode(avif, shrink: 1, maxPixels: 50_000_000) }
        #expect(try Self.pipeline.ingest(avif, filter: .normal).full.last?.size == PixelSize(width: 320, height: 240))

        let heic = try HEIFGrid.make(from: try SyntheticPhoto.jpeg(width: 300, height: 200), tile: 128)
        var random = SeedRandom(seed: 31)
        for round in 0..<120 {
            var mangled = heic
            if round % 4 == 0 {
                mangled = Array(mangled.prefix(Int(random.next() % UInt64(mangled.count))))
            } else {
                // Flips land in the meta box most of the time: that is what this reader parses.
                let metaEnd = min(mangled.count, 1200)
                for _ in 0..<(1 + round % 3) {
                    let index = Int(random.next() % UInt64(metaEnd))
                    mangled[index] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
            }
            do {
                let ingested = try Self.pipeline.ingest(mangled, filter: .normal)
                #expect(!ingested.full.isEmpty)
            } catch {
                // Refused, with the pipeline's error: what the API answers 400 with.
            }
        }
    }

    /// The frame against libheif's whole decode, block by block: each `shrink`-sized block of the whole has the
    /// colour of the frame's pixel within a level or two (chroma averaging and rounding).
    static func expectSamePicture(_ frame: VImage, shrink: Int, as whole: DecodedPhoto) throws {
        let pixels = try frame.pixels()
        let block = 8
        var (total, worst, count) = (0.0, 0.0, 0)
        for top in stride(from: 0, to: frame.height - block, by: block) {
            for left in stride(from: 0, to: frame.width - block, by: block) {
                let expected = whole.mean(x: left * shrink, y: top * shrink, width: block * shrink, height: block * shrink)
                var got = [0.0, 0.0, 0.0]
                for row in top..<top + block {
                    for column in left..<left + block {
                        for band in 0..<3 { got[band] += Double(pixels[(row * frame.width + column) * 3 + band]) }
                    }
                }
                for band in 0..<3 {
                    let difference = abs(got[band] / Double(block * block) - expected[band])
                    (total, worst, count) = (total + difference, max(worst, difference), count + 1)
                }
            }
        }
        #expect(count > 0 && total / Double(count) < 1.5 && worst < 6, "mean \(total / Double(count)), worst \(worst)")
    }
}
