import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import Testing

/// The horizontal pass written for speed (`Downscale`) makes what libvips' own Lanczos3 resize makes: the same size,
/// and the same pixels within rounding (measured: means under 0.15 of a level, no pixel off by more than 2), on a
/// textured photo and on a hard edge, where the kernel's ringing shows.
@Suite(.offCooperativePool) struct DownscaleTests {
    @Test(arguments: [(2000, 1080), (1080, 640), (1500, 612), (612, 306), (306, 150), (1101, 700)])
    func matchesLibvipsLanczos3(from width: Int, to target: Int) throws {
        for photo in [
            try SyntheticPhoto.jpeg(width: width, height: width * 3 / 4),
            try SamplePhotos.halves(width: width, height: width * 3 / 4, left: [250, 20, 20], right: [20, 20, 250]),
        ] {
            let image = try SamplePhotos.decoded(photo)
            let reference = try SamplePhotos.frame(photo, longEdge: target)
            let ours = try #require(try Downscale.scaled(image, width: reference.width, height: reference.height))
            #expect(ours.width == reference.width && ours.height == reference.height)
            let (mine, theirs) = (try ours.pixels(), try reference.pixels())
            let differences = zip(mine, theirs).map { abs(Int($0) - Int($1)) }
            let mean = Double(differences.reduce(0, +)) / Double(differences.count)
            #expect(mean < 0.3 && differences.max()! <= 3, "\(width)->\(target): mean \(mean), worst \(differences.max()!)")
        }
    }

    /// A region (the v1 square's cut) is read where it lies in the frame, and comes out as the cut would.
    @Test func aRegionScalesAsItsCutDoes() throws {
        let photo = try SyntheticPhoto.jpeg(width: 1600, height: 1200)
        let image = try SamplePhotos.decoded(photo)
        let region = PixelRect(x: 250, y: 100, width: 1000, height: 1000)
        let ours = try #require(try Downscale.scaled(image, region: region, width: 612, height: 612))
        let cut = try SamplePhotos.cut(image, x: region.x, y: region.y, width: region.width, height: region.height)
        let whole = try #require(try Downscale.scaled(cut, width: 612, height: 612))
        #expect(try ours.pixels() == whole.pixels())
    }

    /// The pipeline takes a larger reduction by halves, each in C, and still makes what one libvips resize makes: a
    /// square-cropped 1600-px photo becomes its 612 square by way of 800 (within the JPEG's own noise).
    @Test func largerReductionsGoByHalvesAndMatchLibvips() throws {
        let photo = try SyntheticPhoto.jpeg(width: 1600, height: 1600)
        let squares = try ImagePipeline().ingest(photo, filter: .normal, crop: Crop(shape: .square)).squares
        let (mine, theirs) = (try SamplePhotos.decoded(squares.standard), try SamplePhotos.frame(photo, longEdge: 612))
        #expect(mine.width == 612 && mine.height == 612)
        let (ours, reference) = (try mine.pixels(), try theirs.pixels())
        let mean = Double(zip(ours, reference).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(reference.count)
        #expect(mean < 2, "mean \(mean)")
        let thumbnail = try SamplePhotos.decoded(squares.thumbnail)
        #expect(thumbnail.width == 150 && thumbnail.height == 150)
    }

    /// More than 2.5 times smaller needs more than its sixteen taps: `Downscale` declines those (the pipeline halves them
    /// first, above).
    @Test func largerStepsAreLeftToLibvips() throws {
        let image = try SamplePhotos.decoded(try SyntheticPhoto.jpeg(width: 1600, height: 1200))
        #expect(try Downscale.scaled(image, width: 600, height: 450) == nil)
        #expect(try Downscale.scaled(image, width: 800, height: 600) != nil)
    }
}
