import DarkroomAPI
import DarkroomPhotoKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Metrics
import Prometheus
import Testing

@testable import DarkroomStorage

/// swift-metrics is bootstrapped once per process, as `serve` does; every suite running meanwhile adds to the same
/// registry, so these tests look for figures at least as large as what they caused.
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(Monitoring.factory(registry: registry))
        return registry
    }()
}

/// `/metrics`, as Prometheus scrapes it.
@Suite struct MetricsTests {
    static let operatorToken = "metrics-token-0123456789abcdef"

    /// The value of the series `name{labels}` in a scrape (labels in the order they are written), nil when absent.
    private func value(_ scrape: String, _ series: String) -> Double? {
        scrape.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    private func scrape(_ client: any TestClientProtocol) async throws -> String {
        try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(Self.operatorToken)"]) { response in
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            return String(buffer: response.body)
        }
    }

    @Test(arguments: Engine.available)
    func aScrapeShowsRequestsByRouteTheDatabaseIngestJobsAndCaches(engine: Engine) async throws {
        let registry = TestMetrics.registry  // before the world makes its database's metrics
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("minor")
            let fan = try await world.user("fan")
            try await world.storage.relationships.follow(fan.id, owner.id)
            let media = try await world.post(by: owner)
            let ownerToken = try await world.token(for: owner, scopes: [.basic, .upload])
            let fanToken = try await world.token(for: fan, scopes: [.basic, .likes])
            try await world.withApp(configure: {
                $0.monitoring = Monitoring(registry: registry, publicToken: Self.operatorToken)
            }) { client in
                for _ in 0..<3 { #expect(try await client.get("/v1/users/self/feed?access_token=\(fanToken)").status == 200) }
                #expect(try await client.post("/v1/media/\(media)/likes?access_token=\(fanToken)").status == 200)
                #expect(try await client.get("/v1/media/\(media)?access_token=\(fanToken)").status == 200)
                #expect(try await client.get("/v1/media/999?access_token=\(fanToken)").status == 400)
                let upload = try await client.upload(
                    "/v1/media/upload?access_token=\(ownerToken)",
                    files: [("photo", try SyntheticPhoto.jpeg(width: 400, height: 300))]
                )
                #expect(upload.status == 200)

                let text = try await scrape(client)
                let feed = "darkroom_http_requests_total{route=\"/v1/users/{user_id}/feed\",method=\"GET\",status=\"200\"}"
                #expect((value(text, feed) ?? 0) >= 3, "\(text.prefix(3000))")
                // Routes by their pattern: no media id, no token, no raw path in any series.
                #expect((value(text, "darkroom_http_requests_total{route=\"/v1/media/{media_id}\",method=\"GET\",status=\"400\"}") ?? 0) >= 1)
                #expect(
                    !text.contains("/v1/media/\(media)") && !text.contains("/v1/media/999") && !text.contains(fanToken) && !text.contains(ownerToken)
                )
                #expect(
                    text.contains(
                        """
                        darkroom_http_request_duration_seconds_bucket{route=\"/v1/users/{user_id}/feed\",method=\"GET\",status=\"200\",le=\"0.0005\"}
                        """
                    )
                )
                let database = engine.rawValue
                #expect((value(text, "darkroom_db_statement_duration_seconds_count{engine=\"\(database)\"}") ?? 0) > 10)
                #expect((value(text, "darkroom_db_transaction_duration_seconds_count{engine=\"\(database)\"}") ?? 0) >= 2)
                #expect(value(text, "darkroom_database_up{engine=\"\(database)\"}") == 1)
                #expect((value(text, "darkroom_ingest_duration_seconds_count") ?? 0) >= 1)
                #expect(value(text, "darkroom_ingest_capacity") != nil && value(text, "darkroom_ingest_in_progress") != nil)
                // The upload fanned out to the follower in the background or inline: either way the backlog is read.
                #expect(value(text, "darkroom_jobs_pending") != nil && value(text, "darkroom_jobs_failed") != nil)
                // Per kind, every kind the server runs, waiting or not.
                for kind in [FanOutJob.kind, DeliverNotificationsJob.kind, UpkeepJob.kind] {
                    #expect(value(text, "darkroom_jobs_waiting{kind=\"\(kind)\"}") != nil, "\(kind)")
                    #expect(
                        value(text, "darkroom_jobs_overdue_seconds{kind=\"\(kind)\"}") != nil
                            && value(text, "darkroom_jobs_set_aside{kind=\"\(kind)\"}") == 0
                    )
                }
                #expect(value(text, "darkroom_notifications_backlog") != nil)
                // The feed's second and third pages were the first one again: hits.
                #expect((value(text, "darkroom_cache_lookups_total{cache=\"media_pages\",result=\"hit\"}") ?? 0) >= 2)
                #expect((value(text, "darkroom_cache_lookups_total{cache=\"grants\",result=\"hit\"}") ?? 0) >= 1)
                if engine == .sqlite {
                    #expect(value(text, "darkroom_db_queued_writes{engine=\"sqlite\"}") != nil)
                    #expect((value(text, "darkroom_db_commits{engine=\"sqlite\"}") ?? 0) >= 1)
                }
            }
        }
    }

    @Test func onThePublicPortMetricsNeedTheOperatorsToken() async throws {
        let registry = TestMetrics.registry
        try await TestWorld.with(.sqlite) { world in
            try await world.withApp(configure: { $0.monitoring = Monitoring(registry: registry, publicToken: Self.operatorToken) }) { client in
                for headers: HTTPFields in [[:], [.authorization: "Bearer wrong-token-0123456789abcdef"], [.authorization: Self.operatorToken]] {
                    let status = try await client.execute(uri: "/metrics", method: .get, headers: headers) { $0.status }
                    #expect(status == .notFound)
                }
                _ = try await scrape(client)
            }
            // Without a token configured, the public port has no /metrics at all.
            try await world.withApp(configure: { $0.monitoring = Monitoring(registry: registry) }) { client in
                let status = try await client.execute(
                    uri: "/metrics",
                    method: .get,
                    headers: [.authorization: "Bearer \(Self.operatorToken)"]
                ) { $0.status }
                #expect(status == .notFound)
            }
        }
    }
}
