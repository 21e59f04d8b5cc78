import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import DarkroomSeed
import DarkroomStorage

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill the database with a deterministic synthetic data set (users, follows, media, likes, comments, tags, places)."
    )

    @OptionGroup var storage: StorageOptions
    @Option(help: "Number of users.") var users = 100_000
    @Option(help: "Number of media.") var media = 1_000_000
    @Option(help: "Random seed: the same seed gives the same data.") var seed: UInt64 = 2013
    @Option(help: "Share of media posted at a place (0...1).") var locatedFraction = 0.3
    @Option(
        help:
            """
            Build the data set as if it were this moment (Unix seconds) instead of now: with the same --seed, every id, shortcode and time comes out \
            the same on every run (the API's contract tests and its examples rely on it).
            """
    )
    var now: Int64?
    @Flag(help: "No progress bar.") var quiet = false

    func run() async throws {
        var environment = SystemEnvironment.live()
        if let now {
            let clock: @Sendable () -> Int64 = { now * 1000 }
            environment = SystemEnvironment(nowMilliseconds: clock, ids: IDGenerator(shard: 0, clock: clock), randomBytes: environment.randomBytes)
        }
        let summary = try await storage.withStorage(environment: environment) { opened in
            var plan = SeedPlan(users: users, media: media, seed: seed)
            plan.imageKeys = try renderImageSets(into: opened.files)
            plan.profilePictureKeys = try renderProfilePictures(into: opened.files)
            guard (0...1).contains(locatedFraction) else { throw ValidationError("--located-fraction is a share from 0 to 1") }
            plan.locatedFraction = locatedFraction
            let generator = SeedGenerator(storage: opened, plan: plan, progress: quiet ? nil : ProgressBar())
            do {
                return try await generator.run()
            } catch let error as SeedError {
                throw ValidationError(error.description)
            }
        }
        try printJSON(summary)
    }
}

/// Real renditions for the seeded media to show: drawn scenes of each kind in turn, each through a filter.
private func renderImageSets(into files: MediaFiles) throws -> [String] {
    let pipeline = try ImagePipeline()
    let kinds = GeneratedScene.Kind.allCases
    return try (0..<SeedGenerator.imageSets).map { index in
        let photo = try GeneratedScene.jpeg(kinds[index % kinds.count], width: 800, height: 640, variant: UInt64(index))
        let set = try pipeline.renditions(of: photo, filter: Filter.all[index % Filter.all.count])
        return try files.store([("standard.jpg", set.standard), ("low.jpg", set.low), ("thumbnail.jpg", set.thumbnail)], kind: .media)
    }
}

/// Drawn portraits the seeded accounts take turns to wear.
private func renderProfilePictures(into files: MediaFiles) throws -> [String] {
    let pipeline = try ImagePipeline()
    return try (0..<SeedGenerator.profilePictures).map { index in
        let picture = try pipeline.profilePicture(from: try GeneratedScene.portrait(size: 300, variant: UInt64(index)))
        return try files.store([("profile.jpg", picture)], kind: .profilePicture)
    }
}
