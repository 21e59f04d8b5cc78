import ArgumentParser
import DarkroomPhotoKit
import Foundation

/// `darkroom sample-archive`: writes an Instagram download of synthetic photos, to try the importer with (and for the
/// browser tests, which upload it).
struct SampleArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-archive",
        abstract: "Write a synthetic Instagram download (zip) to try `darkroom user import-instagram` or the import page with."
    )

    @Option(help: "Posts in it; every fifth is a carousel of three.") var posts = 12
    @Option(help: "json (content/…), activity-json (your_instagram_activity/…) or html.") var layout = "activity-json"
    @Option(help: "Zip files to split it into.") var parts = 1
    @Option(help: "Edge of the photos, in pixels.") var size = 640
    @Flag(help: "Add a post whose photo is not an image, and one that names a file the archive lacks.") var withFaults = false
    @Argument(help: "The zip file to write (parts after the first get .2, .3, …).") var file: String

    func run() throws {
        let layouts: [String: SampleArchives.Layout] = ["json": .json, "activity-json": .activityJSON, "html": .html]
        guard let chosen = layouts[layout] else { throw ValidationError("layout is json, activity-json or html") }
        let photos = try (0..<6).map { variant -> [UInt8] in
            let height = variant % 2 == 0 ? size : size * 5 / 4
            return try SyntheticPhoto.jpeg(width: size, height: height, quality: 85, variant: variant)
        }
        var list: [SampleArchives.Post] = []
        for index in 0..<posts {
            let carousel = index % 5 == 4
            let chosen: [[UInt8]] = carousel ? [photos[index % 6], photos[(index + 1) % 6], photos[(index + 2) % 6]] : [photos[index % 6]]
            let placed = index % 4 == 1
            list.append(
                SampleArchives.Post(
                    takenAt: 1_420_070_400 + Int64(index) * 86_400 * 9,
                    caption: index % 3 == 0 ? nil : "Day \(index + 1) in Paris, café crème #paris #day\(index % 4)",
                    photos: chosen,
                    latitude: placed ? 48.8584 : nil,
                    longitude: placed ? 2.2945 : nil
                )
            )
        }
        if withFaults {
            list.append(SampleArchives.Post(takenAt: 1_600_000_000, caption: "Not a photo", photos: [Array("plain text".utf8)]))
            var missing = SampleArchives.Post(takenAt: 1_600_086_400, caption: "Lost", photos: [[]])
            missing.paths = ["media/posts/202009/missing.jpg"]
            list.append(missing)
        }
        let profile = SampleArchives.Profile(fullName: "Sample Person", bio: "Photos from everywhere", picture: photos[0])
        let written = try SampleArchives.write(to: file, layout: chosen, posts: list, profile: profile, parts: parts)
        print(written.joined(separator: "\n"))
    }
}
