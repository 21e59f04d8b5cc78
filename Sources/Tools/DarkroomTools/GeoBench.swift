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

/// Geo search latency: `/locations/search` and `/media/search` work, timed in-process at random points near the
/// seed's cities.
struct GeoBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "geo", abstract: "Time location and media searches by distance.")

    @OptionGroup var storage: StorageOptions
    @Option(help: "Searches of each kind.") var searches = 2000
    @Option(help: "Search radius in meters.") var distance: Double = 1000

    func run() async throws {
        bootstrapLogging(level: .warning)
        try await storage.withStorage { opened in
            let cities = [(37.7749, -122.4194), (40.7128, -74.0060), (51.5074, -0.1278), (48.8566, 2.3522), (35.6762, 139.6503)]
            var random = SystemRandomNumberGenerator()
            func point() -> GeoPoint {
                let city = cities.randomElement(using: &random)!
                return GeoPoint(
                    latitude: city.0 + Double.random(in: -0.15...0.15, using: &random),
                    longitude: city.1 + Double.random(in: -0.15...0.15, using: &random)
                )
            }
            let now = opened.environment.nowSeconds
            var locationTimes: [Double] = []
            var mediaTimes: [Double] = []
            var found = (locations: 0, media: 0)
            for _ in 0..<searches {
                var start = ContinuousClock.now
                found.locations += try await opened.locations.near(point(), meters: distance, count: 20, viewer: nil).count
                locationTimes.append(elapsedMilliseconds(since: start))
                start = ContinuousClock.now
                let page = MediaPageRequest(count: 20, minTimestamp: now - 5 * 86_400, maxTimestamp: now)
                found.media += try await opened.locations.mediaNear(point(), meters: distance, page: page, viewer: nil).count
                mediaTimes.append(elapsedMilliseconds(since: start))
            }
            let counts = try await opened.database.query(
                "SELECT (SELECT count(*) FROM locations), (SELECT count(*) FROM media WHERE latitude IS NOT NULL)"
            ).decodeFirst { (locations: try $0.int(), media: try $0.int()) }
            try printJSON([
                "machine": machineDescription(), "database": opened.database.displayName,
                "locations": counts?.locations ?? 0, "located_media": counts?.media ?? 0, "distance_m": distance,
                "locations_search_ms": ["p50": percentile(locationTimes, 0.5), "p99": percentile(locationTimes, 0.99)],
                "media_search_ms": ["p50": percentile(mediaTimes, 0.5), "p99": percentile(mediaTimes, 0.99)],
                "average_results": ["locations": Double(found.locations) / Double(searches), "media": Double(found.media) / Double(searches)],
                "bar": "p50 at most 10 ms",
            ])
        }
    }

    private func elapsedMilliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    private func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : (sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))] * 1000).rounded() / 1000
    }
}
