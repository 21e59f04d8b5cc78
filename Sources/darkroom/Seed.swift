import ArgumentParser
import DarkroomCore
import DarkroomStorage

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill the database with a deterministic synthetic data set (users, follows, media, likes, comments, tags, places).")

    @OptionGroup var storage: StorageOptions
    @Option(help: "Number of users.") var users = 100_000
    @Option(help: "Number of media.") var media = 1_000_000
    @Option(help: "Random seed: the same seed gives the same data.") var seed: UInt64 = 2013
    @Flag(help: "No progress bar.") var quiet = false

    func run() async throws {
        let opened = try await storage.open()
        let generator = SeedGenerator(
            storage: opened, plan: SeedPlan(users: users, media: media, seed: seed),
            progress: quiet ? nil : ProgressBar())
        let summary: [String: Int]
        do {
            summary = try await generator.run()
        } catch let error as SeedError {
            await opened.database.close()
            throw ValidationError(error.description)
        }
        await opened.database.close()
        try printJSON(summary)
    }
}
