import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import Testing

/// The seed's drawn photos and portraits: real JPEGs at the size asked, the same for the same number, and kinds that
/// do not look alike (their mean colours differ).
@Suite struct GeneratedSceneTests {
    @Test func scenesAndPortraitsAreDeterministicJPEGsOfEachKind() throws {
        let pipeline = try ImagePipeline()
        var means: [[Double]] = []
        for kind in GeneratedScene.Kind.allCases {
            let photo = try GeneratedScene.jpeg(kind, width: 160, height: 120, variant: 3)
            #expect(try pipeline.uprightSize(of: photo) == PixelSize(width: 160, height: 120))
            #expect(try GeneratedScene.jpeg(kind, width: 160, height: 120, variant: 3) == photo, "the same number draws the same picture")
            #expect(try GeneratedScene.jpeg(kind, width: 160, height: 120, variant: 4) != photo)
            means.append(try DecodedPhoto(photo).mean(x: 0, y: 0, width: 160, height: 120))
        }
        for (index, mean) in means.enumerated() {
            for other in means[(index + 1)...] {
                #expect(zip(mean, other).map { abs($0 - $1) }.max()! > 3, "\(mean) and \(other) look alike")
            }
        }
        let portrait = try GeneratedScene.portrait(size: 96, variant: 1)
        #expect(try pipeline.uprightSize(of: portrait) == PixelSize(width: 96, height: 96))
    }
}
