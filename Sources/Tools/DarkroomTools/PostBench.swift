import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomPhotoKit
import DarkroomSeed
import DarkroomStorage
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// The posting bar: a post by an account with very many followers returns at once; its fan-out runs in the background.
struct PostBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "post",
        abstract: "Measure how long a post by an account with many followers takes, and its background fan-out."
    )

    @OptionGroup var storage: StorageOptions
    @Option(help: "Followers of the posting account.") var followers = 100_000
    @Option(help: "Posts to time.") var posts = 20

    func run() async throws {
        bootstrapLogging(level: .warning)
        try await storage.withStorage { opened in
            let environment = opened.environment
            let star = try await opened.users.create(NewUser(username: "bench_star_\(environment.randomHex(bytes: 4))", fullName: "Bench Star"))
            // Followers are existing users where there are enough, else stand-in ids: only their feeds are written.
            let existing = try await opened.database.query("SELECT id FROM users WHERE id <> \(star.id) ORDER BY id LIMIT \(followers)").decode {
                try $0.int()
            }
            try await opened.database.transaction { tx in
                for index in 0..<followers {
                    let follower = index < existing.count ? existing[index] : Int64(index + 1)
                    try await tx.execute(
                        """
                        INSERT INTO follows (follower_id, followee_id, id, created_at) VALUES (\(follower), \(star.id), \(environment.ids.next()), 0)
                        ON CONFLICT DO NOTHING
                        """
                    )
                }
                try await tx.execute("UPDATE users SET followed_by_count = \(followers) WHERE id = \(star.id)")
            }
            var latencies: [Double] = []
            var mediaIDs: [MediaID] = []
            for index in 0..<posts {
                let start = ContinuousClock.now
                mediaIDs.append(
                    try await opened.mediaWriter.create(
                        NewMedia(
                            owner: star.id,
                            caption: "bench post \(index)",
                            renditions: Renditions(key: "seed/0", standard: 612, low: 306, thumbnail: 150)
                        )
                    )
                )
                latencies.append(milliseconds(ContinuousClock.now - start))
            }
            let fanOutStart = ContinuousClock.now
            try await JobWorker(storage: opened, logger: Logger(label: "darkroom.bench")).drain()
            let fanOutSeconds = milliseconds(ContinuousClock.now - fanOutStart) / 1000
            let reached = try await opened.database.query("SELECT count(*) FROM feed_entries WHERE media_id = \(mediaIDs[0])").scalarInt() ?? 0
            let sorted = latencies.sorted()
            try printJSON([
                "machine": machineDescription(),
                "database": opened.database.displayName,
                "followers": followers,
                "posts": posts,
                "post_ms": ["p50": sorted[sorted.count / 2], "max": sorted.last ?? 0],
                "bar": "a post returns in under 50 ms",
                "background_fan_out": ["seconds_for_all_posts": fanOutSeconds, "feeds_reached_per_post": reached],
            ])
        }
    }

    private func milliseconds(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15 * 1).rounded(toPlaces: 2)
    }
}
